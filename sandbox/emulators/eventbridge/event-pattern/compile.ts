/** Validation and compilation of a whole pattern: objects, `$or`, match lists and match expressions. */

import { compileAnythingBut } from './anything-but.ts';
import { caseAlternatives, equalsIgnoreCase } from './ignore-case.ts';
import { compareBytes, compileCidr, looksLikeIp, parseIp } from './ip.ts';
import { compileNumeric } from './numeric.ts';
import { compilePrefixOrSuffix } from './prefix-suffix.ts';
import {
  type CompileContext,
  type CompiledPattern,
  type FieldCondition,
  fail,
  InvalidEventPatternError,
  isPlainObject,
  singleKey,
  type ValueMatcher,
} from './shared.ts';
import {
  MAX_WILDCARD_COMPLEXITY,
  parseWildcard,
  recordWildcard,
  wildcardComplexity,
  wildcardMatches,
} from './wildcard.ts';

// Ruler refuses these as field names inside `$or` so a misplaced operator is not silently read as a field.
const RESERVED_IN_OR = new Set([
  'exactly',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
]);

type Branch = Map<string, FieldCondition>;

/**
 * Validates an event pattern exactly as EventBridge does and compiles it for `matchesEventPattern` (`match.ts`).
 *
 * @param pattern - The pattern as a JSON string (as passed to PutRule) or an already-parsed object.
 * @returns The compiled pattern.
 * @throws InvalidEventPatternError when EventBridge would reject the pattern.
 */
export function parseEventPattern(pattern: string | unknown): CompiledPattern {
  let root: unknown = pattern;
  if (typeof pattern === 'string') {
    try {
      root = JSON.parse(pattern);
    } catch (error) {
      throw new InvalidEventPatternError(`Filter is not valid JSON: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  if (!isPlainObject(root)) throw new InvalidEventPatternError('Filter is not an object');

  const context: CompileContext = { wildcardsByPath: new Map() };
  const rules: Branch[] = [];
  parseObject(root, [], rules, { insideOr: false, context });

  for (const [path, patterns] of context.wildcardsByPath) {
    if (wildcardComplexity([...patterns.values()]) >= MAX_WILDCARD_COMPLEXITY) {
      fail(
        'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences ' +
          'after a wildcard character',
        path,
      );
    }
  }

  const pathPrefixes = new Set<string>();
  for (const rule of rules) {
    for (const path of rule.keys()) {
      pathPrefixes.add(path);
      for (let dot = path.indexOf('.'); dot !== -1; dot = path.indexOf('.', dot + 1)) {
        pathPrefixes.add(path.slice(0, dot));
      }
    }
  }
  return { branches: rules.map((rule) => [...rule.values()]), pathPrefixes };
}

function parseObject(
  node: Record<string, unknown>,
  path: readonly string[],
  rules: Branch[],
  { insideOr, context }: { readonly insideOr: boolean; readonly context: CompileContext },
): void {
  const keys = Object.keys(node);
  if (keys.length === 0) fail('Empty objects are not allowed', path.join('.') || undefined);
  for (const key of keys) {
    const value = node[key];
    // `$or` is not a field: its branches continue at the current path.
    if (key === '$or') {
      parseOr(value, path, rules, context);
      continue;
    }
    const fieldPath = [...path, key];
    const joined = fieldPath.join('.');
    if (insideOr && RESERVED_IN_OR.has(key)) {
      fail(`${key} is Ruler reserved fieldName which cannot be used inside $or.`, joined);
    }
    if (isPlainObject(value)) {
      parseObject(value, fieldPath, rules, { insideOr, context });
    } else if (Array.isArray(value)) {
      const condition = compileField(joined, value, context);
      if (rules.length === 0) rules.push(new Map());
      // Ruler lets a later occurrence of the same (dot-joined) path override an earlier one.
      for (const rule of rules) rule.set(joined, condition);
    } else {
      fail(`"${key}" must be an object or an array`, joined);
    }
  }
}

function parseOr(value: unknown, path: readonly string[], rules: Branch[], context: CompileContext): void {
  const where = path.join('.') || undefined;
  if (!Array.isArray(value)) fail('It must be an Array followed with $or.', where);
  // Each `$or` element forks every branch built so far; fields seen before the `$or` are copied into each fork.
  const current = rules.map((rule) => new Map(rule));
  rules.length = 0;
  for (const element of value) {
    if (!isPlainObject(element)) fail('Only JSON object is allowed in array of $or relationship.', where);
    const forks = current.length === 0 ? [new Map()] : current.map((rule) => new Map(rule));
    parseObject(element, path, forks, { insideOr: true, context });
    rules.push(...forks);
  }
  if (value.length < 2) fail('There must have at least 2 Objects in $or relationship.', where);
}

function compileField(path: string, values: readonly unknown[], context: CompileContext): FieldCondition {
  if (values.length === 0) fail('Empty arrays are not allowed', path);
  const matchers: ValueMatcher[] = [];
  let matchesAbsence = false;
  for (const value of values) {
    if (isPlainObject(value)) {
      const compiled = compileMatchExpression(value, path, context);
      if (compiled === 'absent') matchesAbsence = true;
      else matchers.push(compiled);
    } else if (typeof value === 'string') {
      matchers.push(exactString(value));
    } else if (typeof value === 'number' && Number.isFinite(value)) {
      // Ruler compares numbers numerically (5 equals 5.0) but never equal to the string "5".
      matchers.push({ kind: 'exact-number', test: (v) => typeof v === 'number' && v === value });
    } else if (typeof value === 'boolean' || value === null) {
      matchers.push({ kind: 'exact-literal', test: (v) => v === value });
    } else {
      fail('Match value must be String, number, true, false, or null', path);
    }
  }
  return { path, matchers, matchesAbsence };
}

function exactString(expected: string): ValueMatcher {
  // Ruler turns a value that looks like an IP address into a one-address range, so equivalent spellings match.
  const ip = looksLikeIp(expected) ? parseIp(expected) : undefined;
  if (ip !== undefined) {
    return {
      kind: 'exact-ip',
      test: (v) => {
        if (typeof v !== 'string' || !looksLikeIp(v)) return false;
        const other = parseIp(v);
        return other !== undefined && compareBytes(other, ip) === 0;
      },
    };
  }
  return { kind: 'exact-string', test: (v) => v === expected };
}

function compileMatchExpression(
  expression: Record<string, unknown>,
  path: string,
  context: CompileContext,
): ValueMatcher | 'absent' {
  const [operator, operand] = singleKey(expression, path, 'Match expression name not found');
  switch (operator) {
    case 'prefix':
      return compilePrefixOrSuffix('prefix', operand, path);
    case 'suffix':
      return compilePrefixOrSuffix('suffix', operand, path);
    case 'equals-ignore-case': {
      if (typeof operand !== 'string') fail('equals-ignore-case match pattern must be a string', path);
      const alternatives = caseAlternatives(operand);
      return { kind: operator, test: (v) => typeof v === 'string' && equalsIgnoreCase(v, alternatives) };
    }
    case 'wildcard': {
      if (typeof operand !== 'string') fail('wildcard match pattern must be a string', path);
      const segments = parseWildcard(operand, path);
      recordWildcard(context, path, operand, segments);
      return { kind: operator, test: (v) => typeof v === 'string' && wildcardMatches(v, segments) };
    }
    case 'numeric':
      return compileNumeric(operand, path);
    case 'cidr':
      return compileCidr(operand, path);
    case 'exists':
      if (typeof operand !== 'boolean') fail('exists match pattern must be either true or false.', path);
      // exists:true accepts any leaf value (null included); exists:false is checked against the whole event.
      return operand ? { kind: 'exists', test: () => true } : 'absent';
    case 'anything-but':
      return compileAnythingBut(operand, path);
    default:
      return fail(`Unrecognized match type ${operator}`, path);
  }
}
