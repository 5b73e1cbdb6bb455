import type { Scenario } from '../scenarios.ts';

/**
 * The scenarios to run, in list order: those matching `only` (all when empty) plus the references
 * they compare with. Fails on duplicate names and on references that are unknown or listed later.
 */
export function planScenarios(all: Scenario[], only: string[]): Scenario[] {
  const index = new Map<string, number>();
  all.forEach((s, i) => {
    if (index.has(s.name)) throw new Error(`two scenarios are named "${s.name}"`);
    index.set(s.name, i);
  });
  all.forEach((s, i) => {
    if (s.reference === undefined) return;
    const at = index.get(s.reference);
    if (at === undefined) throw new Error(`scenario "${s.name}" names an unknown reference "${s.reference}"`);
    if (at >= i) throw new Error(`scenario "${s.name}" must come after its reference "${s.reference}"`);
  });
  if (only.length === 0) return all;
  const wanted = new Set(all.filter((s) => only.some((o) => s.name.toLowerCase().includes(o.toLowerCase()))).map((s) => s.name));
  if (wanted.size === 0) throw new Error(`no scenario matches ${only.join(', ')}; names: ${all.map((s) => s.name).join(' | ')}`);
  for (const s of all) if (wanted.has(s.name) && s.reference) wanted.add(s.reference);
  return all.filter((s) => wanted.has(s.name));
}
