import { AppError } from './errors.ts';

/** Allowed moves of one kind of entity: from-state → the states it may move to. */
export type Transitions<S extends string> = Readonly<Record<S, readonly S[]>>;

/** Throws INVALID_STATE (HTTP 409) naming both states when the move is not in the table. */
export function assertTransition<S extends string>(table: Transitions<S>, what: string, from: S, to: S): void {
  if (!table[from]?.includes(to))
    throw new AppError('INVALID_STATE', `${what} cannot move from "${from}" to "${to}"`, { from, to });
}
