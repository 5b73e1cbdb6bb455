import type { Command } from 'commander';
import { noun } from '../../args.ts';
import { runCommand } from '../../runtime.ts';

/** `mvshop db status`: each committed migration and whether this database has it. */
export default function register(program: Command): void {
  noun(program, 'db')
    .command('status')
    .description('list migrations and whether each is applied')
    .action((_opts: unknown, cmd: Command) =>
      runCommand(cmd, async ({ io, core }) => {
        const { migrationStatus } = await import('../../../core/db/index.ts');
        const { database } = await core({ migrate: false });
        const migrations = (await migrationStatus(database)).map((m) => ({ name: m.name, applied: m.applied }));
        const pending = migrations.filter((m) => !m.applied).length;
        if (io.json) return io.printJson({ database: database.kind, migrations, pending });
        io.table(
          ['migration', 'applied'],
          migrations.map((m) => [m.name, m.applied ? 'yes' : 'no']),
        );
        io.print(pending ? `${pending} pending: run 'mvshop db migrate'.` : 'Up to date.');
      }),
    );
}
