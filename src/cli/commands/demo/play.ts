import type { Command } from 'commander';
import { example } from '../../args.ts';
import { UsageError } from '../../io.ts';
import { cliLogger, runCommand } from '../../runtime.ts';

/**
 * `mvshop demo`: a marketplace day on a throwaway embedded database, printed as tables; exits 0
 * only when the books and the audit chain verify. It never touches the configured database, mail
 * server or Stripe: everything lives in a temporary folder (or --data-dir).
 */
export default function register(program: Command): void {
  const verb = program
    .command('demo')
    .description('play a marketplace day (sign-ups, multi-shop checkouts, delivery, a refund, settlement, a withdrawal) on a fresh temporary database and verify the books')
    .option('--data-dir <dir>', 'keep the demo database, mailbox and uploads in this new or empty folder (kept afterwards)')
    .option('--keep', 'keep the temporary folder (database, mailbox, uploads) and print where it is')
    .action((opts: { dataDir?: string; keep?: boolean }, cmd: Command) =>
      runCommand(cmd, async ({ io, operator }) => {
        const started = performance.now();
        const [fs, os, path, { createCore, loadConfig }, { createMailer }, { createDemoCardNetwork }, { recordingMailer }, { createDemoClock, playMarketplaceDay }] =
          await Promise.all([
            import('node:fs/promises'),
            import('node:os'),
            import('node:path'),
            import('../../../core/index.ts'),
            import('../../../core/mail/index.ts'),
            import('../../demo/demo-card-network.ts'),
            import('../../demo/demo-mailbox.ts'),
            import('../../demo/play-day.ts'),
          ]);
        let dir: string;
        if (opts.dataDir) {
          dir = path.resolve(opts.dataDir);
          const existing = await fs.readdir(dir).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? [] : Promise.reject(err)));
          if (existing.length > 0) throw new UsageError(`--data-dir ${dir} is not empty: the demo needs a fresh folder`);
          await fs.mkdir(dir, { recursive: true });
        } else dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mvshop-demo-'));
        const keep = Boolean(opts.keep || opts.dataDir);

        // Only the demo's own settings: the configured database, SMTP, Stripe and Cloudinary are never used.
        const config = loadConfig({
          DATA_DIR: dir,
          // A database nobody keeps lives in memory: no data files to write, no wire server to talk through.
          ...(!keep && { PGLITE_DIR: 'memory://' }),
          PRODUCT_MODERATION: 'pre',
          // Throwaway accounts: a cheap password hash keeps the sign-ups quick.
          ARGON2_MEMORY_KIB: '1024',
          ARGON2_TIME_COST: '1',
        });
        const clock = createDemoClock();
        const cards = createDemoCardNetwork();
        const { mailer, inbox } = recordingMailer(createMailer(config.mail));
        const step = (text: string) => io.note(`[${((performance.now() - started) / 1000).toFixed(1)}s] ${text}`);
        try {
          step(`Creating a fresh embedded database ${keep ? `in ${config.database.pgliteDir}` : `in memory (mailbox and uploads in ${dir})`}`);
          const core = await createCore(config, {
            log: await cliLogger(config, io.verbose),
            clock,
            ports: { mailer, payments: cards.provider },
            embeddedRole: 'cli',
          });
          let day;
          try {
            day = await playMarketplaceDay(core, { clock, cards, inbox, operator: core.ctx(operator), step });
          } finally {
            await core.close();
          }
          const ok = day.ledger.ok && day.audit.ok;
          const seconds = Math.round(performance.now() - started) / 1000;
          const currency = config.currency;
          if (io.json) io.printJson({ ok, seconds, dataDir: keep ? dir : null, currency, ...day });
          else {
            io.print('Shops');
            io.table(
              ['shop', 'products', 'orders', `sales (${currency})`, 'pending', 'available', 'paid out', 'debt'],
              day.shops.map((s) => [s.name, s.products, s.orders, s.sales.toFixed(2), s.pending.toFixed(2), s.available.toFixed(2), s.paidOut.toFixed(2), s.debt.toFixed(2)]),
            );
            io.print('Orders');
            io.table(
              ['order', 'buyer', 'shop', 'payment', `total (${currency})`, 'platform fee', 'status'],
              day.orders.map((o) => [o.id, o.buyer, o.shop, o.payment, o.total.toFixed(2), o.platformFee.toFixed(2), o.status]),
            );
            io.print('What happened');
            io.table(['', ''], [
              ['refund', `${day.refund.orderId}: ${day.refund.amount.toFixed(2)} ${currency}, ${day.refund.status}`],
              ['settlement', `${day.settlement.orders} card order(s), ${day.settlement.amount.toFixed(2)} ${currency} after ${day.settlement.holdDays} day(s) on hold`],
              ['withdrawal', `${day.withdrawal.shop}: ${day.withdrawal.amount.toFixed(2)} ${currency}, ${day.withdrawal.status}`],
              ['emails', `${day.emails} written to ${keep ? config.mail.dir : 'the mailbox'}`],
              ['ledger verify', day.ledger.ok ? `ok (${day.ledger.journals} journals, ${day.ledger.entries} entries)` : 'FAILED'],
              ['audit verify', day.audit.ok ? `ok (${day.audit.rows} rows)` : `FAILED: ${day.audit.problems.map((p) => p.message).join('; ')}`],
            ]);
            io.print(`Demo ${ok ? 'passed' : 'FAILED'} in ${seconds.toFixed(1)} s.${keep ? ` Its data is in ${dir}.` : ''}`);
          }
          if (!ok) throw new Error('the demo\'s books or audit chain did not verify (see above)');
        } finally {
          if (!keep) await fs.rm(dir, { recursive: true, force: true });
        }
      }),
    );
  example(verb, 'mvshop demo');
}
