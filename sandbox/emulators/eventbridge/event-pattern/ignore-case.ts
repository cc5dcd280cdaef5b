/** `equals-ignore-case`: matching as Ruler does, code point by code point, case mappings may change length. */

/** For each code point of the pattern, the spellings Ruler accepts: itself, its lower and its upper case. */
export function caseAlternatives(text: string): readonly (readonly string[])[] {
  return Array.from(text, (ch) => [...new Set([ch, ch.toLowerCase(), ch.toUpperCase()])]);
}

/** Positions reachable after consuming the pattern forwards from `start` (case mappings may change length). */
function consumeForward(
  value: string,
  alternatives: readonly (readonly string[])[],
  start: number,
): Set<number> {
  let positions = new Set([start]);
  for (const options of alternatives) {
    const next = new Set<number>();
    for (const position of positions) {
      for (const option of options)
        if (value.startsWith(option, position)) next.add(position + option.length);
    }
    positions = next;
    if (positions.size === 0) break;
  }
  return positions;
}

export function equalsIgnoreCase(value: string, alternatives: readonly (readonly string[])[]): boolean {
  return consumeForward(value, alternatives, 0).has(value.length);
}

export function startsWithIgnoreCase(value: string, alternatives: readonly (readonly string[])[]): boolean {
  return consumeForward(value, alternatives, 0).size > 0;
}

export function endsWithIgnoreCase(value: string, alternatives: readonly (readonly string[])[]): boolean {
  let positions = new Set([value.length]);
  for (let i = alternatives.length - 1; i >= 0 && positions.size > 0; i--) {
    const next = new Set<number>();
    for (const position of positions) {
      for (const option of alternatives[i] ?? []) {
        if (value.endsWith(option, position)) next.add(position - option.length);
      }
    }
    positions = next;
  }
  return positions.size > 0;
}
