import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { commands } from './commands/index.ts';

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** `mvshop`: global options, usage errors thrown (not exited) so main maps them to exit code 2. */
export function buildProgram(): Command {
  const program = new Command('mvshop')
    .description('mvshop operator CLI: orders and refunds, moderation, accounts, balances, the audit log, database, outbox and queue care')
    .version(version(), '-V, --version')
    .option('--json', 'print one JSON document on stdout instead of tables')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--as <name>', 'operator name recorded in the audit log (default: $MVSHOP_OPERATOR or your OS user)')
    .option('--verbose', 'show logs and stack traces on stderr')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: true })
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  for (const register of commands) register(program);
  return program;
}
