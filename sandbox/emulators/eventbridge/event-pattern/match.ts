/** Matching an event against a compiled pattern: flattening, and array-consistent assignment of values. */

import { type CompiledPattern, type FieldCondition, isPlainObject, type JsonScalar } from './shared.ts';

/**
 * Tells whether an event matches a compiled pattern.
 *
 * @param pattern - A pattern returned by `parseEventPattern` (`compile.ts`).
 * @param event - The event as an object, or as a JSON string; anything that is not a JSON object never matches.
 * @returns True when at least one `$or` branch has every field satisfied by values from consistent array elements.
 */
export function matchesEventPattern(pattern: CompiledPattern, event: unknown): boolean {
  let body: unknown = event;
  if (typeof event === 'string') {
    try {
      body = JSON.parse(event);
    } catch {
      return false;
    }
  }
  if (!isPlainObject(body)) return false;

  const leaves = new Map<string, Leaf[]>();
  flattenEvent(body, '', [], pattern.pathPrefixes, leaves, { nextArrayId: 0 });
  return pattern.branches.some((branch) => matchesBranch(branch, leaves));
}

/** A scalar event value with the array elements it sits in, as [array id, element index] pairs. */
interface Leaf {
  readonly value: JsonScalar;
  readonly arrays: readonly (readonly [number, number])[];
}

function flattenEvent(
  node: unknown,
  path: string,
  arrays: readonly (readonly [number, number])[],
  relevant: ReadonlySet<string>,
  leaves: Map<string, Leaf[]>,
  counter: { nextArrayId: number },
): void {
  if (Array.isArray(node)) {
    // Elements of an array all sit at the array's own path; empty arrays contribute no value at all.
    const arrayId = counter.nextArrayId++;
    node.forEach((element, index) => {
      flattenEvent(element, path, [...arrays, [arrayId, index]], relevant, leaves, counter);
    });
  } else if (isPlainObject(node)) {
    for (const [key, value] of Object.entries(node)) {
      // Keys are joined with dots, so {"a.b": 1} and {"a": {"b": 1}} are the same field, as in EventBridge.
      const childPath = path === '' ? key : `${path}.${key}`;
      if (relevant.has(childPath)) flattenEvent(value, childPath, arrays, relevant, leaves, counter);
    }
  } else if (
    node === null ||
    typeof node === 'string' ||
    typeof node === 'boolean' ||
    typeof node === 'number'
  ) {
    let list = leaves.get(path);
    if (list === undefined) {
      list = [];
      leaves.set(path, list);
    }
    list.push({ value: node, arrays });
  }
}

function matchesBranch(branch: readonly FieldCondition[], leaves: ReadonlyMap<string, Leaf[]>): boolean {
  const required: Leaf[][] = [];
  for (const condition of branch) {
    const present = leaves.get(condition.path) ?? [];
    // Only leaves count: a field whose value is an object, or an empty array, does not exist here.
    if (present.length === 0) {
      if (condition.matchesAbsence) continue;
      return false;
    }
    const candidates = present.filter((leaf) =>
      condition.matchers.some((matcher) => matcher.test(leaf.value)),
    );
    if (candidates.length === 0) return false;
    required.push(candidates);
  }
  if (required.every((candidates) => candidates.some((leaf) => leaf.arrays.length === 0))) return true;
  required.sort((a, b) => a.length - b.length);
  return assignConsistently(required, 0, new Map());
}

/**
 * Picks one leaf per field so that no two picks come from different elements of the same array: Ruler
 * does not combine fields from sibling array elements into one match.
 */
function assignConsistently(
  required: readonly Leaf[][],
  index: number,
  chosen: Map<number, number>,
): boolean {
  const candidates = required[index];
  if (candidates === undefined) return true;
  for (const leaf of candidates) {
    if (leaf.arrays.some(([arrayId, element]) => (chosen.get(arrayId) ?? element) !== element)) continue;
    const added = leaf.arrays.filter(([arrayId]) => !chosen.has(arrayId));
    for (const [arrayId, element] of added) chosen.set(arrayId, element);
    if (assignConsistently(required, index + 1, chosen)) return true;
    for (const [arrayId] of added) chosen.delete(arrayId);
  }
  return false;
}
