/**
 * The catalog index's listing ids by slot, packed outside the JavaScript heap: one byte buffer of the ids
 * in slot order and an open-addressing table from id to slot. 100,000 id strings and a Map of them were
 * ~8 MB of live heap, which V8 multiplies when it sizes its heap under load; this is ~4.5 MB of buffers.
 * Ids are ASCII (newId's prefix, `_` and a lowercase ULID); any other id is refused, and the index then
 * falls back to SQL. A slot whose listing changed is killed and the id appended again in a new slot, so
 * lookups take the caller's test of which slots are alive.
 */
export class SlotIds {
  private bytes = Buffer.alloc(0);
  /** End offset of each slot's id in `bytes` (it starts where the previous one ends). */
  private ends = new Int32Array(0);
  private used = 0;
  /** Slot + 1 per bucket (0: empty), at most half full. */
  private table = new Int32Array(0);
  private n = 0;

  get count(): number {
    return this.n;
  }

  /** Room for `slots` ids of about `bytesPerId` bytes each, keeping those already appended. */
  reserve(slots: number, bytesPerId = 32): void {
    if (slots > this.ends.length) {
      const ends = new Int32Array(slots);
      ends.set(this.ends.subarray(0, this.n));
      this.ends = ends;
    }
    this.ensureBytes(slots * bytesPerId);
    let size = 16;
    while (size < slots * 2) size *= 2;
    if (size > this.table.length) {
      this.table = new Int32Array(size);
      for (let slot = 0; slot < this.n; slot++) this.place(slot);
    }
  }

  /** Appends `id` as slot `count` (the caller's next slot). */
  append(id: string): number {
    if (this.n === this.ends.length || (this.n + 1) * 2 > this.table.length) this.reserve(Math.max(1024, this.n * 2));
    for (let i = 0; i < id.length; i++) if (id.charCodeAt(i) > 0x7f) throw new Error(`catalog index: listing id ${JSON.stringify(id)} is not ASCII`);
    this.ensureBytes(this.used + id.length);
    for (let i = 0; i < id.length; i++) this.bytes[this.used++] = id.charCodeAt(i);
    const slot = this.n++;
    this.ends[slot] = this.used;
    this.place(slot);
    return slot;
  }

  at(slot: number): string {
    return this.bytes.toString('latin1', slot === 0 ? 0 : this.ends[slot - 1]!, this.ends[slot]!);
  }

  /** The slot holding `id` for which `alive` is true, or undefined. */
  find(id: string, alive: (slot: number) => boolean): number | undefined {
    const mask = this.table.length - 1;
    if (mask < 0) return undefined;
    for (let b = hashString(id) & mask; ; b = (b + 1) & mask) {
      const entry = this.table[b]!;
      if (entry === 0) return undefined;
      const slot = entry - 1;
      if (this.equals(slot, id) && alive(slot)) return slot;
    }
  }

  /** The two slots' ids compared as text (ids are ASCII, so bytes order as JavaScript strings do). */
  compare(a: number, b: number): number {
    const { bytes, ends } = this;
    let i = a === 0 ? 0 : ends[a - 1]!;
    let j = b === 0 ? 0 : ends[b - 1]!;
    const endA = ends[a]!;
    const endB = ends[b]!;
    for (; i < endA && j < endB; i++, j++) if (bytes[i] !== bytes[j]) return bytes[i]! - bytes[j]!;
    return endA - i - (endB - j);
  }

  private equals(slot: number, id: string): boolean {
    const start = slot === 0 ? 0 : this.ends[slot - 1]!;
    if (this.ends[slot]! - start !== id.length) return false;
    for (let i = 0; i < id.length; i++) if (this.bytes[start + i] !== id.charCodeAt(i)) return false;
    return true;
  }

  private place(slot: number): void {
    const mask = this.table.length - 1;
    let b = hashBytes(this.bytes, slot === 0 ? 0 : this.ends[slot - 1]!, this.ends[slot]!) & mask;
    while (this.table[b] !== 0) b = (b + 1) & mask;
    this.table[b] = slot + 1;
  }

  private ensureBytes(size: number): void {
    if (size <= this.bytes.length) return;
    const bytes = Buffer.allocUnsafe(Math.max(size, this.bytes.length * 2));
    this.bytes.copy(bytes, 0, 0, this.used);
    this.bytes = bytes;
  }
}

// FNV-1a, the same over a string's char codes and over its ASCII bytes.
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function hashBytes(bytes: Buffer, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}
