import type { Command } from 'commander';
import { isAppError } from '../../../core/shared/errors.ts';
import { dryRunOption, example, noun } from '../../args.ts';
import { UsageError } from '../../io.ts';
import { runCommand } from '../../runtime.ts';

interface Options {
  email?: string;
  name?: string;
  password?: string;
  reason?: string;
}

const flags = { name: '--name <name>', password: '--password <password>' } as const;

/** Which of name/password core asked for because they were not given (not because they were invalid). */
function missingForNewAccount(err: unknown, given: { name?: string; password?: string }): (keyof typeof flags)[] {
  if (!isAppError(err) || err.code !== 'VALIDATION_FAILED') return [];
  const fields = err.details?.fields ?? {};
  return (['name', 'password'] as const).filter((k) => fields[k] !== undefined && given[k] === undefined);
}

/** `mvshop user create-admin`: promotes the account with this email, or creates a verified admin account. */
export default function register(program: Command): void {
  const verb = noun(program, 'user')
    .command('create-admin')
    .description('make an admin: promote the account with this email, or create one (needs a name and a password)')
    .option('--email <email>', 'email of the account')
    .option('--name <name>', 'name, when a new account is created')
    .option('--password <password>', 'password, when a new account is created (prefer MVSHOP_ADMIN_PASSWORD or the prompt: arguments show up in shell history)')
    .option('--reason <text>', 'why (recorded in the audit log)')
    .addOption(dryRunOption())
    .action((opts: Options, cmd: Command) =>
      runCommand(cmd, async ({ io, change }) => {
        const { passwordSchema } = await import('../../../core/auth/index.ts');
        const { createAdmin } = await import('../../../core/users/index.ts');
        const email = await io.require(opts.email, { flag: '--email <email>', message: 'Email of the admin account' });
        const input = { email, name: opts.name, password: opts.password ?? (process.env.MVSHOP_ADMIN_PASSWORD || undefined), reason: opts.reason };
        let result: Awaited<ReturnType<typeof createAdmin>>;
        try {
          result = await change(`Make ${email} an admin (promoting the account, or creating one)?`, (c) => createAdmin(c, input));
        } catch (err) {
          const missing = missingForNewAccount(err, input);
          if (missing.length === 0) throw err;
          if (!io.interactive)
            throw new UsageError(
              `no account has the email ${email}, so a new one is created: required option ${missing
                .map((k) => `'${flags[k]}'`)
                .join(' and ')} not specified${missing.includes('password') ? ' (or set MVSHOP_ADMIN_PASSWORD)' : ''}`,
            );
          io.note(`No account has the email ${email}: creating a new admin account.`);
          input.name ??= await io.require(undefined, { flag: flags.name, message: 'Name' });
          input.password ??= await io.require(undefined, {
            flag: flags.password,
            message: 'Password',
            secret: true,
            validate: (v) => passwordSchema.safeParse(v).error?.issues[0]?.message ?? true,
          });
          result = await change(undefined, (c) => createAdmin(c, input));
        }
        const { user, created } = result;
        if (!created && (opts.name !== undefined || input.password !== undefined))
          io.note('The account already exists: it was promoted; the name and password given were not used.');
        if (io.json) return io.printJson({ created, user });
        io.print(created ? `Created admin account ${user._id} <${user.email}>.` : `Promoted ${user._id} <${user.email}> to Admin.`);
      }),
    );
  example(verb, 'mvshop user create-admin --email ada@example.com --name "Ada Admin"   # password: prompt or MVSHOP_ADMIN_PASSWORD');
}
