import type { Ctx } from '../context.ts';
import { signInWithPassword } from '../auth/index.ts';
import { parseInput } from '../shared/validation.ts';
import { loginInput } from '../users/index.ts';
import { getSellerProfile } from './get-shop.ts';
import type { SellerDto } from './dto.ts';

export async function loginShop(ctx: Ctx, raw: unknown): Promise<{ seller: SellerDto; token: string }> {
  const input = parseInput(loginInput, raw);
  const { account, token } = await signInWithPassword(ctx, 'shop', input.email, input.password);
  return { seller: await getSellerProfile(ctx, account.id), token };
}
