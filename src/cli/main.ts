import { buildProgram } from './program.ts';
import { createIo, exitCodeFor, reportError, EXIT } from './io.ts';
import type { GlobalOptions } from './runtime.ts';

/** `mvshop …`: parse, run one command, map any error to a message on stderr and exit code 1 or 2. */
async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    // A command that reports a finding rather than an error (ledger drift) sets process.exitCode.
    return Number(process.exitCode ?? EXIT.ok);
  } catch (err) {
    const io = createIo(program.opts<GlobalOptions>());
    reportError(err, io);
    return exitCodeFor(err);
  }
}

const code = await main(process.argv.slice(2));
// Flush stdout (a pipe may be asynchronous) before exiting; exiting explicitly means a stray
// handle (a socket some library left open) can never keep an operator's terminal waiting.
process.stdout.write('', () => process.exit(code));
