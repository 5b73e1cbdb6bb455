/**
 * Under `node --expose-gc`, SIGUSR2 runs a full garbage collection, so the bench reads memory that
 * live objects hold rather than garbage a collection has not reached yet.
 */
export function exposeGcOnSignal() {
  const gc = globalThis.gc;
  if (gc) process.on('SIGUSR2', () => gc());
}
