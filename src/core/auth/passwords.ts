import { hash, verify } from '@node-rs/argon2';
import { z } from 'zod';

export interface HashCost {
  memoryCost: number;
  timeCost: number;
}

/**
 * argon2id; by default m=19 MiB, t=2, p=1 (OWASP's minimum recommendation). Tests lower the cost
 * with ARGON2_MEMORY_KIB / ARGON2_TIME_COST; production refuses anything below the default.
 */
export const hashPassword = (plain: string, cost?: HashCost) => hash(plain, cost);

// Verifying against a real hash when the account does not exist keeps the response time the same,
// so timing does not reveal which emails have accounts. Made on first need: hashing takes 19 MiB and
// tens of milliseconds, which a process that never signs anyone in (a CLI command) should not pay.
let decoyHash: Promise<string> | undefined;
const decoy = () => (decoyHash ??= hash('decoy-password-that-never-matches'));

/** Makes the decoy ahead of the first sign-in, so that one is not slower either (the API calls it at start). */
export async function preparePasswordChecks(): Promise<void> {
  await decoy();
}

export async function verifyPassword(storedHash: string | null | undefined, plain: string): Promise<boolean> {
  if (!storedHash) {
    await verify(await decoy(), plain).catch(() => false);
    return false;
  }
  return verify(storedHash, plain).catch(() => false);
}

export const passwordSchema = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(128, 'must be at most 128 characters');

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, 'must be at most 254 characters')
  .pipe(z.email('must be a valid email address'));
