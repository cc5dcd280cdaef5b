/** `wildcard` matching, and the rule-complexity limit EventBridge puts on wildcards. */

import { type CompileContext, fail } from './shared.ts';

// EventBridge rejects a wildcard machine whose worst-case input keeps this many pattern prefixes alive at once.
// The threshold is not documented; 10 sits between the largest accepted (9) and smallest rejected (11) values
// measured against the real service, and Ruler's evaluator caps its result at the limit, so "≥ limit" rejects.
export const MAX_WILDCARD_COMPLEXITY = 10;
const MAX_COMPLEXITY_STATES = 20_000;
const STAR = -1;

/**
 * Splits a wildcard into the literal segments between `*`s. `\*` is a literal star and `\\` a literal
 * backslash; any other backslash, and `**`, are rejected like EventBridge does.
 */
export function parseWildcard(text: string, path: string): readonly string[] {
  const segments: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '*') {
      // `**` would only add backtracking without changing what matches, so it is refused.
      if (text[i + 1] === '*') fail(`Consecutive wildcard characters at pos ${i + 1}`, path);
      segments.push(current);
      current = '';
    } else if (ch === '\\') {
      const next = text[i + 1];
      if (next !== '*' && next !== '\\') fail(`Invalid escape character at pos ${i + 1}`, path);
      current += next;
      i++;
    } else {
      current += ch;
    }
  }
  segments.push(current);
  return segments;
}

/** Glob match where `*` stands for any (possibly empty) run of characters. */
export function wildcardMatches(value: string, segments: readonly string[]): boolean {
  const first = segments[0] ?? '';
  if (segments.length === 1) return value === first;
  const last = segments[segments.length - 1] ?? '';
  if (value.length < first.length + last.length || !value.startsWith(first) || !value.endsWith(last)) {
    return false;
  }
  // Leftmost placement of each middle segment is optimal, so a greedy scan needs no backtracking.
  let position = first.length;
  const end = value.length - last.length;
  for (let i = 1; i < segments.length - 1; i++) {
    const segment = segments[i] ?? '';
    const found = value.indexOf(segment, position);
    if (found === -1 || found + segment.length > end) return false;
    position = found + segment.length;
  }
  return true;
}

export function recordWildcard(
  context: CompileContext,
  path: string,
  raw: string,
  segments: readonly string[],
): void {
  // Ruler matches on the JSON text, so the machine also walks the surrounding quotes.
  const encoder = new TextEncoder();
  const tokens: number[] = [0x22];
  segments.forEach((segment, index) => {
    tokens.push(...encoder.encode(segment));
    if (index < segments.length - 1) tokens.push(STAR);
  });
  tokens.push(0x22);
  let patterns = context.wildcardsByPath.get(path);
  if (patterns === undefined) {
    patterns = new Map();
    context.wildcardsByPath.set(path, patterns);
  }
  patterns.set(raw, tokens);
}

interface TrieNode {
  readonly next: Map<number, number>;
  readonly star: boolean;
  /** How many distinct wildcard patterns can still complete from this state. */
  weight: number;
}

/**
 * Ruler's rule-complexity measure: the largest number of wildcard pattern prefixes one input can keep alive
 * at once, summed over the states of the field's byte machine (explored by subset construction).
 */
export function wildcardComplexity(patterns: readonly (readonly number[])[]): number {
  const nodes: TrieNode[] = [{ next: new Map(), star: false, weight: 0 }];
  const alphabet = new Set<number>();
  for (const tokens of patterns) {
    let node = 0;
    for (const token of tokens) {
      if (token !== STAR) alphabet.add(token);
      const current = nodes[node] as TrieNode;
      let child = current.next.get(token);
      if (child === undefined) {
        child = nodes.length;
        nodes.push({ next: new Map(), star: token === STAR, weight: 0 });
        current.next.set(token, child);
      }
      (nodes[child] as TrieNode).weight++;
      node = child;
    }
  }
  // One byte that appears in no pattern stands for every other input byte.
  for (let b = 0; b < 256; b++) {
    if (!alphabet.has(b)) {
      alphabet.add(b);
      break;
    }
  }

  const closure = (states: Set<number>): Set<number> => {
    for (const state of states) {
      const star = nodes[state]?.next.get(STAR);
      if (star !== undefined) states.add(star);
    }
    return states;
  };
  const keyOf = (states: Set<number>): string => [...states].sort((a, b) => a - b).join(',');

  const start = closure(new Set([0]));
  const seen = new Set([keyOf(start)]);
  const queue = [start];
  let worst = 0;
  for (let head = 0; head < queue.length && seen.size <= MAX_COMPLEXITY_STATES; head++) {
    const states = queue[head] as Set<number>;
    for (const byte of alphabet) {
      const next = new Set<number>();
      for (const state of states) {
        const node = nodes[state] as TrieNode;
        if (node.star) next.add(state);
        const child = node.next.get(byte);
        if (child !== undefined) next.add(child);
      }
      if (next.size === 0) continue;
      closure(next);
      let size = 0;
      for (const state of next) size += (nodes[state] as TrieNode).weight;
      if (size >= MAX_WILDCARD_COMPLEXITY) return size;
      worst = Math.max(worst, size);
      const key = keyOf(next);
      if (!seen.has(key)) {
        seen.add(key);
        queue.push(next);
      }
    }
  }
  return worst;
}
