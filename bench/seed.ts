/**
 * Data the scenarios read, written once into the fresh bench database through core use cases, so
 * it has the shape real traffic sees. To add data for a new scenario: add a field to `Seed` and a
 * step to `seed`; scenarios receive the result.
 */
import { randomBytes } from 'node:crypto';
import { findAccountById, issueSessionToken } from '../src/core/auth/index.ts';
import type { Core } from '../src/core/index.ts';
import { addAddress, createAdmin } from '../src/core/users/index.ts';

export interface Seed {
  /** A verified buyer with one address, and a session token for it (cookie `token`). */
  buyer: { id: string; token: string };
}

async function seedBuyer(core: Core): Promise<Seed['buyer']> {
  const operator = core.ctx({ kind: 'operator', name: 'bench' });
  // createAdmin is the one core call that makes a verified account without the email round trip.
  // The role does not change what /user/me does.
  const { user } = await createAdmin(operator, {
    email: `bench.${randomBytes(4).toString('hex')}@example.com`,
    name: 'Bench Buyer',
    password: `bench-${randomBytes(12).toString('hex')}`,
  });
  const self = core.ctx({ kind: 'user', id: user._id, role: user.role });
  await addAddress(self, user._id, {
    country: 'US',
    state: 'IL',
    city: 'Springfield',
    address1: '1 Market Street',
    zipCode: '12345',
    addressType: 'Home',
  });
  const account = await findAccountById(self, 'user', user._id);
  if (!account) throw new Error('seeded buyer not found');
  return { id: account.id, token: issueSessionToken(self, 'user', account) };
}

export async function seed(core: Core): Promise<Seed> {
  return { buyer: await seedBuyer(core) };
}
