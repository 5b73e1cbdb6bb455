import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import { idPattern, type IdKind } from '../core/shared/id-kinds.ts';

const nouns = {
  db: 'Database migrations',
  user: 'Buyer and admin accounts',
  shop: 'Seller shops',
  outbox: 'Side effects waiting to be delivered (emails, follow-ups)',
  ledger: 'Seller balances and the double-entry ledger',
  payments: 'Card payments and refunds at Stripe',
  reconcile: 'Three-way reconciliation: Stripe against the ledger and the orders',
  product: 'Listing moderation (products and events)',
  catalog: 'Catalog data',
  order: 'Orders across every shop, and refunds',
  event: 'Events (time-boxed listings) across every shop',
  coupon: 'Shop coupons across every shop',
  audit: 'The audit log of admin and operator actions, and its hash chain',
  withdraw: 'Sellers\' withdrawal requests: review, approve, reject',
  settle: 'Seller settlement: delivered orders\' money from pending to available',
  conversation: 'Buyer–shop conversations, for abuse handling (reading is audited)',
  queue: "The worker's BullMQ queues: counts, failed jobs, retries, schedules, pause, the web dashboard",
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

/** Optional, repeatable id arguments (`[name...]`), each checked like idArgument's. */
export function idsArgument(name: string, kind: IdKind, description: string): Argument {
  const { pattern, message } = idPattern(kind);
  return new Argument(`[${name}...]`, description).argParser((value: string, previous: string[] | undefined) => {
    if (!pattern.test(value)) throw new InvalidArgumentError(message);
    return [...(previous ?? []), value];
  });
}

/** Whole numbers for --page/--limit; the use case checks the range. */
export function intOption(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number');
  return Number(value);
}

/** `--dry-run`, taken by every command that changes state (see CliRun.change). */
export const dryRunOption = () => new Option('--dry-run', 'show what would change (rows, outside calls) and change nothing');

const examples = new WeakMap<Command, string[]>();

/** Shows `line` as an example in the command's --help and in its group's, so `mvshop order --help` gives one per command. */
export function example(cmd: Command, line: string): Command {
  cmd.addHelpText('after', `\nExample:\n  $ ${line}`);
  const group = cmd.parent;
  if (!group?.parent) return cmd;
  let lines = examples.get(group);
  if (!lines) {
    const list: string[] = [];
    examples.set(group, (lines = list));
    group.addHelpText('after', () => `\nExamples:\n${list.map((l) => `  $ ${l}`).join('\n')}`);
  }
  lines.push(line);
  return cmd;
}
