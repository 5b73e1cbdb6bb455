import type { Command } from 'commander';
import { example, intOption, noun } from '../../args.ts';
import { UsageError } from '../../io.ts';
import { runCommand } from '../../runtime.ts';

/**
 * `mvshop queue dashboard [--port N]`: the standard BullMQ web dashboard (bull-board) on 127.0.0.1
 * until Ctrl-C. It needs no database, only Redis.
 */
export default function register(program: Command): void {
  const verb = noun(program, 'queue')
    .command('dashboard')
    .description('serve the BullMQ web dashboard (bull-board) on 127.0.0.1 until Ctrl-C')
    .option('--port <n>', 'port on 127.0.0.1 (0: any free port)', intOption, 3030)
    .action((opts: { port: number }, cmd: Command) =>
      runCommand(cmd, async ({ io }) => {
        if (opts.port > 65535) throw new UsageError('--port must be at most 65535');
        const [{ loadConfigFromEnv }, { startDashboard }] = await Promise.all([
          import('../../../core/config.ts'),
          import('../../../worker/dashboard.ts'),
        ]);
        const dashboard = await startDashboard(loadConfigFromEnv(), opts.port);
        if (io.json) io.printJson({ url: dashboard.url });
        else io.print(`Queue dashboard on ${dashboard.url} (this machine only; Ctrl-C to stop)`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', () => resolve());
          process.once('SIGTERM', () => resolve());
        });
        await dashboard.close();
      }),
    );
  example(verb, 'mvshop queue dashboard --port 3030');
}
