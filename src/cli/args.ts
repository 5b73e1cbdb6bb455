import { Argument, Command, InvalidArgumentError } from 'commander';
import { idSchema, type IdKind } from '../core/shared/ids.ts';

const nouns = {
  db: 'Database migrations',
  user: 'Buyer and admin accounts',
  shop: 'Seller shops',
  outbox: 'Side effects waiting to be delivered (emails, follow-ups)',
  ledger: 'Seller balances and the double-entry ledger',
  payments: 'Card payments and refunds at Stripe',
  product: 'Listing moderation (products and events)',
  catalog: 'Catalog data',
  conversation: 'Buyer–shop conversations, for abuse handling (reading is audited)',
} as const;
export type Noun = keyof typeof nouns;

/** The `<noun>` command group, created on first use so each verb file registers itself. */
export function noun(program: Command, name: Noun): Command {
  const existing = program.commands.find((c) => c.name() === name);
  if (existing) return existing;
  return program.command(name).description(nouns[name]);
}

/** A positional id argument checked with core's id schema, so a wrong kind of id is a usage error (exit 2). */
export function idArgument(name: string, kind: IdKind, description: string): Argument {
  const schema = idSchema(kind);
  return new Argument(`<${name}>`, description).argParser((value) => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new InvalidArgumentError(parsed.error.issues[0]?.message ?? 'is invalid');
    return parsed.data;
  });
}

/** Whole numbers for --page/--limit; the use case checks the range. */
export function intOption(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number');
  return Number(value);
}
