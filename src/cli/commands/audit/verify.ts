import type { Command } from 'commander';
import { example, noun } from '../../args.ts';
import { runCommand } from '../../runtime.ts';

/** `mvshop audit verify`: walks the hash chain; names every edited or deleted row and exits 1 if there is one. */
export default function register(program: Command): void {
  const verb = noun(program, 'audit')
    .command('verify')
    .description('check the audit log’s hash chain: name every edited or deleted row; exit 1 if the chain is broken')
    .action((_opts: unknown, cmd: Command) =>
      runCommand(cmd, async ({ io, ctx }) => {
        const { verifyAudit } = await import('../../../core/audit/index.ts');
        const report = await verifyAudit(await ctx());
        if (io.json) io.printJson(report);
        else {
          io.table(
            ['check', 'result'],
            [
              ['rows', report.rows],
              ['chain head', report.head ? `#${report.head.seq} ${report.head.hash}` : 'missing'],
              ['problems', report.problems.length],
            ],
          );
          for (const p of report.problems) io.print(`${p.kind}: ${p.message}`);
          io.print(report.ok ? 'Audit chain OK.' : 'Audit chain is broken.');
        }
        if (!report.ok) process.exitCode = 1;
      }),
    );
  example(verb, 'mvshop audit verify --json');
}
