/** Types and helpers every part of the event-pattern matcher shares. */

/** A JSON scalar, as it appears at a leaf of an event. */
export type JsonScalar = string | number | boolean | null;

/** One element of a field's match list (everything except `{"exists": false}`). */
export interface ValueMatcher {
  readonly kind: string;
  test(value: JsonScalar): boolean;
}

/** The conditions one pattern field puts on the event value(s) at a dot-joined path. */
export interface FieldCondition {
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

  constructor(reason: string, options?: ErrorOptions) {
    super(`Event pattern is not valid. Reason: ${reason}`, options);
  }
}

/** Collects what the validator learns while compiling, besides the branches themselves. */
export interface CompileContext {
  /** Wildcard patterns (as byte tokens) per path; Ruler puts all wildcards of one field in one machine. */
  readonly wildcardsByPath: Map<string, Map<string, readonly number[]>>;
}

export function fail(reason: string, path?: string): never {
  throw new InvalidEventPatternError(path === undefined ? reason : `${reason} (at "${path}")`);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function singleKey(
  expression: Record<string, unknown>,
  path: string,
  notFound: string,
): [string, unknown] {
  const keys = Object.keys(expression);
  const [key] = keys;
  if (key === undefined) fail(notFound, path);
  if (keys.length > 1) fail('Only one key allowed in match expression', path);
  return [key, expression[key]];
}
