export * from './identity.ts';
export * from './outbox.ts';
export * from './audit.ts';
export { imageDto, type Image } from './columns.ts';
export * from './catalog.ts';
export * from './commerce.ts';
export * from './withdrawals.ts';
export * from './messaging.ts';
