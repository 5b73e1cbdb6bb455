/**
 * A small in-process cache whose entries expire after `ttlMs` (0 disables it), bounded to
 * `maxEntries` (oldest dropped first). For values where a few seconds of staleness is acceptable
 * and recomputing on every request is the dominant cost.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();
  // Misses being computed: concurrent callers of one key share one computation (no stampede).
  private readonly pending = new Map<string, Promise<V>>();
  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 1000,
  ) {}

  get(key: string): V | undefined {
    const hit = this.entries.get(key);
    return hit && hit.expires > Date.now() ? hit.value : undefined;
  }

  set(key: string, value: V): void {
    if (this.ttlMs <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expires: Date.now() + this.ttlMs });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Drops a key, so the next read computes it again; a computation already running for it is not stored. */
  delete(key: string): void {
    this.entries.delete(key);
    this.pending.delete(key);
  }

  /** `delete` for every key. */
  clear(): void {
    this.entries.clear();
    this.pending.clear();
  }

  /** `delete` for every key starting with `prefix` (a walk over the entries: for rare events, not per request). */
  deletePrefix(prefix: string): void {
    for (const key of [...this.entries.keys(), ...this.pending.keys()]) if (key.startsWith(prefix)) this.delete(key);
  }

  async getOrCompute(key: string, compute: () => Promise<V>): Promise<V> {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    if (this.ttlMs <= 0) return compute();
    const running = this.pending.get(key);
    if (running) return running;
    const computing: Promise<V> = compute().then(
      (value) => {
        // Stored only if nobody dropped the key meanwhile: a value read before a change must not outlive it.
        if (this.pending.get(key) === computing) {
          this.pending.delete(key);
          this.set(key, value);
        }
        return value;
      },
      (err: unknown) => {
        if (this.pending.get(key) === computing) this.pending.delete(key);
        throw err;
      },
    );
    this.pending.set(key, computing);
    return computing;
  }
}
