/**
 * API Gateway HTTP API route selection, as "Working with routes for HTTP APIs" (API Gateway developer
 * guide) describes it. Where AWS does not document a detail, the choice is noted next to the code.
 */

/** The route selected for a request, with its path variables (URL-decoded). */
export interface RouteMatch {
  /** The template's route key, e.g. `POST /orders/{orderId}/confirm` or `$default`. */
  routeKey: string;
  pathParameters: Record<string, string>;
}

type Segment =
  | { kind: 'literal'; value: string }
  | { kind: 'param'; name: string }
  | { kind: 'greedy'; name: string };

interface ParsedRoute {
  routeKey: string;
  method: string;
  segments: Segment[];
  greedy: boolean;
}

const DEFAULT_ROUTE = '$default';

// Weights for comparing candidates position by position: a literal segment beats a variable, which beats a greedy one.
const LITERAL_WEIGHT = 2;
const PARAM_WEIGHT = 1;
const GREEDY_WEIGHT = 0;

/**
 * Selects the route API Gateway would pick for `method` and `path` (the raw path, without query string).
 *
 * Priorities, as documented: a full match; then a match through a greedy variable (`{proxy+}`); then
 * `$default`. Among several candidates of one kind, the one whose earlier segments are literal wins, then a
 * route with the request's method over `ANY`, then the earlier route key. `{name}` matches one non-empty
 * segment; `{name+}` matches one or more trailing segments. Parameter values are URL-decoded.
 *
 * @returns the match, or `undefined` (API Gateway answers 404 `{"message":"Not Found"}`).
 * @throws {Error} for a malformed route key, which is a template bug rather than a bad request.
 */
export function matchRoute(
  routeKeys: readonly string[],
  method: string,
  path: string,
): RouteMatch | undefined {
  const verb = method.toUpperCase();
  const requestSegments = splitPath(path);
  let best: { match: RouteMatch; rank: number[] } | undefined;
  let hasDefault = false;
  for (const routeKey of routeKeys) {
    const route = parseRouteKey(routeKey);
    if (route === undefined) {
      hasDefault = true;
      continue;
    }
    if (route.method !== 'ANY' && route.method !== verb) continue;
    const pathParameters = matchSegments(route, requestSegments);
    if (pathParameters === undefined) continue;
    const rank = [
      route.greedy ? 0 : 1,
      ...route.segments.map((segment) => segmentWeight(segment)),
      route.method === 'ANY' ? 0 : 1,
    ];
    if (best === undefined || compareRanks(rank, best.rank) > 0)
      best = { match: { routeKey, pathParameters }, rank };
  }
  if (best !== undefined) return best.match;
  return hasDefault ? { routeKey: DEFAULT_ROUTE, pathParameters: {} } : undefined;
}

function parseRouteKey(routeKey: string): ParsedRoute | undefined {
  if (routeKey === DEFAULT_ROUTE) return undefined;
  const found = /^([A-Z]+) (\/\S*)$/.exec(routeKey);
  if (found === null) throw new Error(`Malformed route key: ${JSON.stringify(routeKey)}`);
  const [, method = '', routePath = ''] = found;
  const segments = splitPath(routePath).map((text): Segment => {
    const variable = /^\{([A-Za-z0-9._-]+)(\+?)\}$/.exec(text);
    if (variable === null) return { kind: 'literal', value: text };
    const [, name = '', plus] = variable;
    return plus === '+' ? { kind: 'greedy', name } : { kind: 'param', name };
  });
  const greedyAt = segments.findIndex((segment) => segment.kind === 'greedy');
  // AWS requires the greedy variable to be the last segment.
  if (greedyAt !== -1 && greedyAt !== segments.length - 1) {
    throw new Error(`Greedy path variable must be last: ${JSON.stringify(routeKey)}`);
  }
  return { routeKey, method, segments, greedy: greedyAt !== -1 };
}

function splitPath(path: string): string[] {
  const trimmed = path.startsWith('/') ? path.slice(1) : path;
  return trimmed === '' ? [] : trimmed.split('/');
}

function matchSegments(route: ParsedRoute, request: readonly string[]): Record<string, string> | undefined {
  const fixed = route.greedy ? route.segments.length - 1 : route.segments.length;
  if (route.greedy ? request.length <= fixed : request.length !== fixed) return undefined;
  const params: Record<string, string> = {};
  for (let index = 0; index < fixed; index++) {
    const segment = route.segments[index];
    const raw = request[index] ?? '';
    if (segment === undefined) return undefined;
    if (segment.kind === 'literal') {
      if (raw !== segment.value && decode(raw) !== segment.value) return undefined;
    } else if (segment.kind === 'param' && raw !== '') {
      params[segment.name] = decode(raw);
    } else {
      return undefined;
    }
  }
  const last = route.segments[fixed];
  if (route.greedy && last !== undefined && last.kind === 'greedy') {
    const rest = request.slice(fixed).join('/');
    // `/pets/` does not reach `/pets/{proxy+}`: the greedy variable needs a non-empty remainder.
    if (rest === '') return undefined;
    params[last.name] = request.slice(fixed).map(decode).join('/');
  }
  return params;
}

function segmentWeight(segment: Segment): number {
  if (segment.kind === 'literal') return LITERAL_WEIGHT;
  return segment.kind === 'param' ? PARAM_WEIGHT : GREEDY_WEIGHT;
}

function compareRanks(a: readonly number[], b: readonly number[]): number {
  for (let index = 0; index < Math.max(a.length, b.length); index++) {
    const difference = (a[index] ?? -1) - (b[index] ?? -1);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** A URL-decoded path segment or query part. */
export function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // A malformed escape such as `%E0%A4` reaches the handler as sent rather than failing the request.
    return text;
  }
}
