import { describe, expect, it } from 'vitest';
import { SlotIds } from '../../src/core/catalog/slot-ids.ts';
import { newId } from '../../src/core/shared/ids.ts';

describe('SlotIds (the catalog index ids by slot)', () => {
  it('finds each of 5,000 ids by its slot, grows past its reservation, and orders slots as their ids order as text', () => {
    const ids = new SlotIds();
    ids.reserve(100);
    const made = Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? `prod_${i}` : newId('product')));
    made.forEach((id, i) => expect(ids.append(id)).toBe(i));
    const alive = () => true;
    made.forEach((id, slot) => {
      expect(ids.at(slot)).toBe(id);
      expect(ids.find(id, alive)).toBe(slot);
    });
    expect(ids.find('prod_nothing', alive)).toBeUndefined();
    expect(ids.find('prod_', alive)).toBeUndefined();
    const bySlots = made.map((_, slot) => slot).sort((a, b) => ids.compare(a, b));
    expect(bySlots.map((slot) => made[slot])).toEqual([...made].sort());
  });

  it('a killed slot is skipped: the id appended again is found in its new slot', () => {
    const ids = new SlotIds();
    const dead = new Set<number>();
    const alive = (slot: number) => !dead.has(slot);
    ids.append('prod_a');
    ids.append('prod_b');
    dead.add(0);
    expect(ids.find('prod_a', alive)).toBeUndefined();
    expect(ids.append('prod_a')).toBe(2);
    expect(ids.find('prod_a', alive)).toBe(2);
    expect(ids.find('prod_b', alive)).toBe(1);
  });

  it('refuses an id that is not ASCII and keeps the ones it holds', () => {
    const ids = new SlotIds();
    ids.append('prod_a');
    expect(() => ids.append('prod_é')).toThrow(/not ASCII/);
    expect(ids.count).toBe(1);
    expect(ids.append('prod_b')).toBe(1);
    expect(ids.at(1)).toBe('prod_b');
  });
});
