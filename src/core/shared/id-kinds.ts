export const idPrefixes = {
  user: 'usr',
  address: 'addr',
  shop: 'shop',
  registration: 'reg',
  outbox: 'obx',
  audit: 'aud',
  media: 'med',
  product: 'prod',
  event: 'evt',
  coupon: 'cpn',
  cart: 'cart',
  checkout: 'chk',
  order: 'ord',
  orderLine: 'oln',
  orderEvent: 'ose',
  payment: 'pay',
  refund: 'rfd',
  journal: 'jrn',
  entry: 'ent',
  review: 'rev',
  withdrawal: 'wd',
  conversation: 'conv',
  message: 'msg',
  webhook: 'whk',
} as const;

export type IdKind = keyof typeof idPrefixes;

/** What an id of this kind looks like, and the message when it does not (shared by zod schemas and CLI arguments). */
export function idPattern(kind: IdKind): { pattern: RegExp; message: string } {
  const prefix = idPrefixes[kind];
  return { pattern: new RegExp(`^${prefix}_[0-9a-z]{26}$`), message: `must be a ${kind} id (${prefix}_…)` };
}
