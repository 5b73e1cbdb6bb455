import type { Command } from 'commander';
import { noun } from '../../args.ts';
import { runCommand } from '../../runtime.ts';

/** `mvshop db migrate`: applies pending migrations and says which ones. */
export default function register(program: Command): void {
  noun(program, 'db')
    .command('migrate')
    .description('apply pending database migrations (safe to run from several processes at once)')
    .action((_opts: unknown, cmd: Command) =>
      runCommand(cmd, async ({ io, core }) => {
        const { migrateDatabase, migrationStatus } = await import('../../../core/db/index.ts');
        const { database } = await core({ migrate: false });
        const before = await migrationStatus(database);
        await migrateDatabase(database);
        const after = await migrationStatus(database);
        const wasApplied = new Set(before.filter((m) => m.applied).map((m) => m.name));
        const applied = after.filter((m) => m.applied && !wasApplied.has(m.name)).map((m) => m.name);
        const pending = after.filter((m) => !m.applied).map((m) => m.name);
        if (io.json) return io.printJson({ database: database.kind, applied, total: after.length, pending });
        if (applied.length === 0) io.print(`Database is up to date (${after.length} migrations applied).`);
        else {
          io.print(`Applied ${applied.length} migration${applied.length === 1 ? '' : 's'}:`);
          for (const name of applied) io.print(`  ${name}`);
        }
      }),
    );
}
