import { Argument, Command, InvalidArgumentError } from 'commander';
import { idPattern, type IdKind } from '../core/shared/id-kinds.ts';

const nouns = {
  db: 'Database migrations',
  user: 'Buyer and admin accounts',
  shop: 'Seller shops',
  outbox: 'Side effects waiting to be delivered (emails, follow-ups)',
  ledger: 'Seller balances and the double-entry ledger',
  payments: 'Card payments and refunds at Stripe',
  product: 'Listing moderation (products and events)',
  catalog: 'Catalog data',
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
  const { pattern, message } = idPattern(kind);
  return new Argument(`<${name}>`, description).argParser((value) => {
    if (!pattern.test(value)) throw new InvalidArgumentError(message);
    return value;
  });
}

/** Whole numbers for --page/--limit; the use case checks the range. */
export function intOption(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number');
  return Number(value);
}
