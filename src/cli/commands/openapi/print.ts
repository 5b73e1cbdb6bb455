import type { Command } from 'commander';
import { example } from '../../args.ts';
import { runCommand } from '../../runtime.ts';

/** `mvshop openapi`: the API's OpenAPI document, as the server serves it at /api/v1/openapi.json. */
export default function register(program: Command): void {
  const cmd = program
    .command('openapi')
    .description('print the HTTP API\'s OpenAPI 3.1 document (no server or database needed)')
    .action((_opts: unknown, c: Command) =>
      runCommand(c, async ({ io }) => {
        const { buildOpenApiDocument } = await import('../../../api/openapi/document.ts');
        io.printJson(buildOpenApiDocument());
      }),
    );
  example(cmd, 'mvshop openapi > openapi.json');
}
