/** `prefix` and `suffix`, each also with `equals-ignore-case` inside. */

import { caseAlternatives, endsWithIgnoreCase, startsWithIgnoreCase } from './ignore-case.ts';
import { fail, isPlainObject, singleKey, type ValueMatcher } from './shared.ts';

export function compilePrefixOrSuffix(
  kind: 'prefix' | 'suffix',
  operand: unknown,
  path: string,
): ValueMatcher {
  if (isPlainObject(operand)) {
    const label = kind === 'prefix' ? 'Prefix' : 'Suffix';
    const [inner, text] = singleKey(operand, path, `${label} expression name not found`);
    if (inner !== 'equals-ignore-case') fail(`Unsupported ${kind} pattern: ${inner}`, path);
    if (typeof text !== 'string') fail('equals-ignore-case match pattern must be a string', path);
    const alternatives = caseAlternatives(text);
    return kind === 'prefix'
      ? {
          kind: 'prefix-ignore-case',
          test: (v) => typeof v === 'string' && startsWithIgnoreCase(v, alternatives),
        }
      : {
          kind: 'suffix-ignore-case',
          test: (v) => typeof v === 'string' && endsWithIgnoreCase(v, alternatives),
        };
  }
  if (typeof operand !== 'string') fail(`${kind} match pattern must be a string`, path);
  return kind === 'prefix'
    ? { kind, test: (v) => typeof v === 'string' && v.startsWith(operand) }
    : { kind, test: (v) => typeof v === 'string' && v.endsWith(operand) };
}
