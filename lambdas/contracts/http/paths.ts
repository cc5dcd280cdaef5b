/**
 * The API's route paths, defined once: the route contract (`routes.ts`) declares its routes with them, and
 * every caller (the driver app, the sandbox's client and demo, the bench) builds its URLs with
 * {@link routePath}. No imports: the driver app's bundle takes the one path it calls and nothing else.
 */

/** `POST`: the driver's handover check ({@link VERIFY_ROUTE} in `routes.ts`). */
export const VERIFY_PATH = '/parcels/{parcelId}/verify';
/** `GET`: Track Package shows the recipient their current code. */
export const TRACK_PATH = '/parcels/{parcelId}/otp';
/** `POST`: sends the current code again. */
export const RESEND_PATH = '/parcels/{parcelId}/otp/resend';

/** The names of a path's `{parameters}`: `'/parcels/{parcelId}/otp'` → `'parcelId'`. */
type ParameterNames<Path extends string> = Path extends `${string}{${infer Name}}${infer Rest}`
  ? Name | ParameterNames<Rest>
  : never;

/** A value for each of a path's parameters, e.g. `{ parcelId }`. */
export type PathParameters<Path extends string> = Readonly<Record<ParameterNames<Path>, string>>;

/** Values that cannot fill a path segment: empty, or a dot segment that URL parsing removes. */
const NOT_A_SEGMENT = new Set(['', '.', '..']);

/**
 * The request path of a route: `routePath(VERIFY_PATH, { parcelId: 'P/1' })` → `/parcels/P%2F1/verify`.
 * Each value is percent-encoded, so it fills exactly one path segment, as API Gateway matches it; a missing,
 * empty, `.` or `..` value throws (the URL would name another route, or none).
 */
export function routePath<Path extends string>(path: Path, parameters: PathParameters<Path>): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = (parameters as Readonly<Record<string, string | undefined>>)[name];
    if (value === undefined || NOT_A_SEGMENT.has(value)) {
      throw new Error(`routePath: {${name}} of ${path} needs a value that fills one path segment`);
    }
    return encodeURIComponent(value);
  });
}
