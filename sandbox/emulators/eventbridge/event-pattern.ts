/**
 * EventBridge event-pattern matcher for the local sandbox bus.
 *
 * Mirrors the semantics of AWS Event Ruler, the engine behind EventBridge: validation rules, messages,
 * dot-joined field paths, array-consistent matching, and the string/number/literal distinctions Ruler
 * makes because it matches on the JSON text of each value.
 */

/** A JSON scalar, as it appears at a leaf of an event. */
type JsonScalar = string | number | boolean | null;

/** One element of a field's match list (everything except `{"exists": false}`). */
interface ValueMatcher {
  readonly kind: string;
  test(value: JsonScalar): boolean;
}

/** The conditions one pattern field puts on the event value(s) at a dot-joined path. */
interface FieldCondition {
  readonly path: string;
  readonly matchers: readonly ValueMatcher[];
  /** True when the list holds `{"exists": false}`, which matches when the path has no value at all. */
  readonly matchesAbsence: boolean;
}

/** A validated pattern: a disjunction of branches (one per `$or` combination), each a conjunction of fields. */
export interface CompiledPattern {
  readonly branches: readonly (readonly FieldCondition[])[];
  /** Every path prefix (at dot boundaries) the pattern refers to, so events are flattened only where needed. */
  readonly pathPrefixes: ReadonlySet<string>;
}

/** Thrown when a pattern would make EventBridge raise `InvalidEventPatternException`. */
export class InvalidEventPatternError extends Error {
  override readonly name = 'InvalidEventPatternError';

  constructor(reason: string) {
    super(`Event pattern is not valid. Reason: ${reason}`);
  }
}

const FIVE_BILLION = 5e9;
const MAX_DECIMALS = 6;
// EventBridge rejects a wildcard machine whose worst-case input keeps this many pattern prefixes alive at once.
// The threshold is not documented; 10 sits between the largest accepted (9) and smallest rejected (11) values
// measured against the real service, and Ruler's evaluator caps its result at the limit, so "≥ limit" rejects.
const MAX_WILDCARD_COMPLEXITY = 10;
const MAX_COMPLEXITY_STATES = 20_000;
const STAR = -1;

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

/** Collects what the validator learns while compiling, besides the branches themselves. */
interface CompileContext {
  /** Wildcard patterns (as byte tokens) per path; Ruler puts all wildcards of one field in one machine. */
  readonly wildcardsByPath: Map<string, Map<string, readonly number[]>>;
}

/**
 * Validates an event pattern exactly as EventBridge does and compiles it for {@link matchesEventPattern}.
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
      throw new InvalidEventPatternError(`Filter is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (!isPlainObject(root)) throw new InvalidEventPatternError('Filter is not an object');

  const context: CompileContext = { wildcardsByPath: new Map() };
  const rules: Branch[] = [];
  parseObject(root, [], rules, false, context);

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

/**
 * Tells whether an event matches a compiled pattern.
 *
 * @param pattern - A pattern returned by {@link parseEventPattern}.
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

/**
 * Validates a pattern and matches one event against it, like the TestEventPattern API.
 *
 * @param pattern - The pattern as a JSON string or an already-parsed object.
 * @param event - The event as an object or a JSON string.
 * @returns True when the event matches.
 * @throws InvalidEventPatternError when EventBridge would reject the pattern.
 */
export function testEventPattern(pattern: string | unknown, event: unknown): boolean {
  return matchesEventPattern(parseEventPattern(pattern), event);
}

// ---------------------------------------------------------------------------------------------------------
// Compilation
// ---------------------------------------------------------------------------------------------------------

function fail(reason: string, path?: string): never {
  throw new InvalidEventPatternError(path === undefined ? reason : `${reason} (at "${path}")`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function parseObject(
  node: Record<string, unknown>,
  path: readonly string[],
  rules: Branch[],
  insideOr: boolean,
  context: CompileContext,
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
      parseObject(value, fieldPath, rules, insideOr, context);
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
    parseObject(element, path, forks, true, context);
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

function singleKey(expression: Record<string, unknown>, path: string, notFound: string): [string, unknown] {
  const keys = Object.keys(expression);
  const [key] = keys;
  if (key === undefined) fail(notFound, path);
  if (keys.length > 1) fail('Only one key allowed in match expression', path);
  return [key, expression[key]];
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

function compilePrefixOrSuffix(kind: 'prefix' | 'suffix', operand: unknown, path: string): ValueMatcher {
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

// --- numeric ---------------------------------------------------------------------------------------------

/** Ruler's ComparableNumber: ±5e9 with at most six decimals, compared as integers of millionths. */
function toComparable(value: number): number | undefined {
  if (!Number.isFinite(value) || Math.abs(value) > FIVE_BILLION || decimalPlaces(value) > MAX_DECIMALS) {
    return undefined;
  }
  return Math.round(value * 10 ** MAX_DECIMALS);
}

function decimalPlaces(value: number): number {
  const text = String(Math.abs(value));
  const [mantissa = '', exponent] = text.split('e');
  const fraction = mantissa.split('.')[1]?.length ?? 0;
  return Math.max(0, fraction - Number(exponent ?? 0));
}

function comparableOperand(value: unknown, label: string, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(`Value of ${label} must be numeric`, path);
  if (Math.abs(value) > FIVE_BILLION)
    fail('Value must be between -5000000000 and 5000000000, inclusive', path);
  const comparable = toComparable(value);
  if (comparable === undefined)
    fail(`Only values upto ${MAX_DECIMALS} decimals are supported: ${value}`, path);
  return comparable;
}

interface Bound {
  readonly value: number;
  readonly open: boolean;
}

function compileNumeric(operand: unknown, path: string): ValueMatcher {
  if (!Array.isArray(operand)) fail('Value of numeric must be an array.', path);
  const [operator, first, secondOperator, second] = operand as unknown[];
  if (typeof operator !== 'string')
    fail(`Invalid member in numeric match: ${JSON.stringify(operator)}`, path);
  let lower: Bound | undefined;
  let upper: Bound | undefined;
  switch (operator) {
    case '=': {
      const value = comparableOperand(first, 'equals', path);
      if (operand.length > 2) fail('Too many elements in numeric expression', path);
      lower = { value, open: false };
      upper = { value, open: false };
      break;
    }
    case '>':
    case '>=': {
      lower = { value: comparableOperand(first, operator, path), open: operator === '>' };
      if (operand.length === 2) break;
      // Only a lower bound may be followed by an upper bound; `[">", 0, ">", 1]` is rejected.
      if (typeof secondOperator !== 'string') {
        fail(`Bad value in numeric range: ${JSON.stringify(secondOperator)}`, path);
      }
      if (secondOperator !== '<' && secondOperator !== '<=') {
        fail(`Bad numeric range operator: ${secondOperator}`, path);
      }
      upper = { value: comparableOperand(second, secondOperator, path), open: secondOperator === '<' };
      if (operand.length > 4) fail('Too many terms in numeric range expression', path);
      if (lower.value >= upper.value) fail('Bottom must be less than top', path);
      break;
    }
    case '<':
    case '<=':
      upper = { value: comparableOperand(first, operator, path), open: operator === '<' };
      if (operand.length > 2) fail('Too many elements in numeric expression', path);
      break;
    default:
      fail(`Unrecognized numeric range operator: ${operator}`, path);
  }
  return {
    kind: 'numeric',
    test: (v) => {
      // Numeric matching only applies to JSON numbers: the string "42" is never in range.
      if (typeof v !== 'number') return false;
      const n = toComparable(v);
      if (n === undefined) return false;
      if (lower !== undefined && (lower.open ? n <= lower.value : n < lower.value)) return false;
      if (upper !== undefined && (upper.open ? n >= upper.value : n > upper.value)) return false;
      return true;
    },
  };
}

// --- anything-but ----------------------------------------------------------------------------------------

const ANYTHING_BUT_SHAPE = 'Value of anything-but must be an array or single string/number value.';

function compileAnythingBut(operand: unknown, path: string): ValueMatcher {
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

// --- equals-ignore-case ----------------------------------------------------------------------------------

/** For each code point of the pattern, the spellings Ruler accepts: itself, its lower and its upper case. */
function caseAlternatives(text: string): readonly (readonly string[])[] {
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

function equalsIgnoreCase(value: string, alternatives: readonly (readonly string[])[]): boolean {
  return consumeForward(value, alternatives, 0).has(value.length);
}

function startsWithIgnoreCase(value: string, alternatives: readonly (readonly string[])[]): boolean {
  return consumeForward(value, alternatives, 0).size > 0;
}

function endsWithIgnoreCase(value: string, alternatives: readonly (readonly string[])[]): boolean {
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

// --- wildcard --------------------------------------------------------------------------------------------

/**
 * Splits a wildcard into the literal segments between `*`s. `\*` is a literal star and `\\` a literal
 * backslash; any other backslash, and `**`, are rejected like EventBridge does.
 */
function parseWildcard(text: string, path: string): readonly string[] {
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
function wildcardMatches(value: string, segments: readonly string[]): boolean {
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

function recordWildcard(
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
function wildcardComplexity(patterns: readonly (readonly number[])[]): number {
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

// --- cidr ------------------------------------------------------------------------------------------------

function compileCidr(operand: unknown, path: string): ValueMatcher {
  if (typeof operand !== 'string') fail('cidr match pattern must be a string', path);
  // Java's String.split drops trailing empty strings, so "10.0.0.0/24/" is accepted like Ruler does.
  const parts = operand.split('/');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  const [address = '', maskText = ''] = parts;
  if (parts.length !== 2) fail("Malformed CIDR, one '/' required", path);
  if (!/^[+-]?\d{1,10}$/.test(maskText) || Math.abs(Number(maskText)) > 2 ** 31 - 1) {
    fail('Malformed CIDR, mask bits must be an integer', path);
  }
  const maskBits = Number(maskText);
  if (maskBits < 0) fail('Malformed CIDR, mask bits must not be negative', path);
  const base = looksLikeIp(address) ? parseIp(address) : undefined;
  if (base === undefined) fail(`Nonstandard IP address: ${address}`, path);
  if (base.length === 4 && maskBits > 31) fail('IPv4 mask bits must be < 32', path);
  if (base.length === 16 && maskBits > 127) fail('IPv6 mask bits must be < 128', path);

  // Ruler's range runs from the address as written (host bits are not cleared) to the address with all
  // host bits set.
  const top = Uint8Array.from(base);
  let hostBits = base.length * 8 - maskBits;
  for (let i = top.length - 1; i >= 0 && hostBits > 0; i--, hostBits -= 8) {
    top[i] = (top[i] ?? 0) | (hostBits >= 8 ? 0xff : (1 << hostBits) - 1);
  }
  return {
    kind: 'cidr',
    test: (v) => {
      if (typeof v !== 'string' || !looksLikeIp(v)) return false;
      const ip = parseIp(v);
      return (
        ip !== undefined &&
        ip.length === base.length &&
        compareBytes(ip, base) >= 0 &&
        compareBytes(ip, top) <= 0
      );
    },
  };
}

// Ruler only treats strings of these shapes as IP literals (no hostnames, zones, or embedded IPv4 in IPv6).
function looksLikeIp(text: string): boolean {
  return /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/.test(text) || /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/.test(text);
}

/** Parses an IPv4 or IPv6 literal to bytes, folding IPv4-mapped IPv6 addresses to IPv4 like Java does. */
function parseIp(text: string): Uint8Array | undefined {
  if (text.includes('.')) {
    const octets = text.split('.').map(Number);
    if (octets.length !== 4 || octets.some((octet) => !Number.isInteger(octet) || octet > 255))
      return undefined;
    return Uint8Array.from(octets);
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (part: string | undefined): number[] | undefined => {
    if (part === undefined || part === '') return [];
    const groups = part.split(':');
    if (groups.some((group) => !/^[0-9a-fA-F]{1,4}$/.test(group))) return undefined;
    return groups.map((group) => Number.parseInt(group, 16));
  };
  const head = parseGroups(halves[0]);
  const tail = parseGroups(halves[1]);
  if (head === undefined || tail === undefined) return undefined;
  const compressed = halves.length === 2;
  // "::" must stand for at least one zero group; without it exactly eight groups are needed.
  if (compressed ? head.length + tail.length > 7 : head.length !== 8) return undefined;
  const groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  });
  const mapped = bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? bytes.slice(12) : bytes;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return a.length - b.length;
}

// ---------------------------------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------------------------------

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
