/** `anything-but`: excluded values, and excluded prefixes, suffixes, case-insensitive values and wildcards. */

import { caseAlternatives, equalsIgnoreCase } from './ignore-case.ts';
import { comparableOperand } from './numeric.ts';
import { fail, isPlainObject, singleKey, type ValueMatcher } from './shared.ts';
import { parseWildcard, wildcardMatches } from './wildcard.ts';

const ANYTHING_BUT_SHAPE = 'Value of anything-but must be an array or single string/number value.';

export function compileAnythingBut(operand: unknown, path: string): ValueMatcher {
  if (isPlainObject(operand)) return compileAnythingButOperator(operand, path);
  if (Array.isArray(operand)) {
    const strings = new Set<string>();
    const numbers = new Set<number>();
    for (const item of operand) {
      if (typeof item === 'string') strings.add(item);
      else if (typeof item === 'number') numbers.add(toExcludedNumber(item, path));
      else fail('Inside anything but list, start|null|boolean is not supported.', path);
    }
    // A list must be all strings or all numbers, and cannot be empty.
    if (strings.size > 0 === numbers.size > 0) {
      fail(
        'Inside anything but list, either all values are number or string, mixed type is not supported',
        path,
      );
    }
    return excludeValues(strings, numbers);
  }
  if (typeof operand === 'string') return excludeValues(new Set([operand]), new Set());
  if (typeof operand === 'number')
    return excludeValues(new Set(), new Set([toExcludedNumber(operand, path)]));
  return fail(ANYTHING_BUT_SHAPE, path);
}

function toExcludedNumber(value: number, path: string): number {
  comparableOperand(value, 'anything-but', path);
  return value;
}

function excludeValues(strings: ReadonlySet<string>, numbers: ReadonlySet<number>): ValueMatcher {
  // Anything-but compares type and value, so null, booleans and values of the other type always pass.
  return {
    kind: 'anything-but',
    test: (v) => !(typeof v === 'string' ? strings.has(v) : typeof v === 'number' && numbers.has(v)),
  };
}

function compileAnythingButOperator(operand: Record<string, unknown>, path: string): ValueMatcher {
  const [operator, inner] = singleKey(operand, path, 'Anything-But expression name not found');
  if (!['prefix', 'suffix', 'equals-ignore-case', 'wildcard'].includes(operator)) {
    fail(`Unsupported anything-but pattern: ${operator}`, path);
  }
  // Nested operators such as {"prefix": {"equals-ignore-case": ...}} are not allowed inside anything-but.
  if (!Array.isArray(inner) && typeof inner !== 'string' && typeof inner !== 'number') {
    fail(ANYTHING_BUT_SHAPE, path);
  }
  const excluded: ((value: string) => boolean)[] = [];
  for (const text of Array.isArray(inner) ? inner : [inner]) {
    if (typeof text !== 'string') {
      if (operator === 'equals-ignore-case') {
        fail(
          'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.',
          path,
        );
      }
      fail(`${operator === 'wildcard' ? 'wildcard' : 'prefix/suffix'} match pattern must be a string`, path);
    }
    if (operator === 'prefix' || operator === 'suffix') {
      // An empty prefix/suffix would exclude every string, so EventBridge refuses it.
      if (text === '') fail('Null prefix/suffix not allowed', path);
      excluded.push(operator === 'prefix' ? (v) => v.startsWith(text) : (v) => v.endsWith(text));
    } else if (operator === 'equals-ignore-case') {
      const alternatives = caseAlternatives(text);
      excluded.push((v) => equalsIgnoreCase(v, alternatives));
    } else {
      const segments = parseWildcard(text, path);
      excluded.push((v) => wildcardMatches(v, segments));
    }
  }
  return {
    kind: `anything-but-${operator}`,
    // Only strings can be excluded by these operators; numbers, booleans and null always pass.
    test: (v) => typeof v !== 'string' || !excluded.some((isExcluded) => isExcluded(v)),
  };
}
