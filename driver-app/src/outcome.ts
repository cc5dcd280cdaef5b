/**
 * The handover screen's state logic: what the driver sees for each answer of the verify API. Pure (no DOM,
 * no fetch), so every outcome is unit-tested; the code the driver typed never enters a screen state.
 */

import { PARCEL_ID_PATTERN } from '../../lambdas/domain/identifiers.ts';

/** Every screen after the driver pressed "Hand over". */
export type Screen =
  | { readonly kind: 'verified'; readonly verifiedAt: string }
  | { readonly kind: 'wrongCode'; readonly attemptsRemaining: number | null }
  | { readonly kind: 'locked' }
  | { readonly kind: 'expired' }
  | { readonly kind: 'revoked' }
  | { readonly kind: 'notAssigned' }
  | { readonly kind: 'noCode' }
  | { readonly kind: 'alreadyVerified' }
  | { readonly kind: 'tryAgain'; readonly retryAfterSeconds: number }
  | { readonly kind: 'offline' }
  | { readonly kind: 'signInAgain' }
  | { readonly kind: 'invalidInput'; readonly field: 'parcelId' | 'code' }
  | { readonly kind: 'unexpected'; readonly status: number };

/** What came back from `POST /parcels/{parcelId}/verify`, reduced to what decides the screen. */
export interface VerifyAnswer {
  readonly status: number;
  /** The parsed JSON body, or undefined when it was not JSON. */
  readonly body: unknown;
  /** The `Retry-After` header, when the API sent one. */
  readonly retryAfter: string | null;
}

/** Wait when a 503 names none (or one the app cannot read), and the longest wait the app honours. */
export const DEFAULT_RETRY_AFTER_SECONDS = 2;
export const MAX_RETRY_AFTER_SECONDS = 60;

/**
 * The driver's own input checks, before anything is sent: the API's rules (its parcel id pattern itself),
 * so a typo costs no attempt.
 */
export const CODE_PATTERN = /^[0-9]{6}$/;

/** The first input the API would refuse, or undefined when both are well-formed. */
export function invalidInput(parcelId: string, code: string): Screen | undefined {
  if (!PARCEL_ID_PATTERN.test(parcelId)) return { kind: 'invalidInput', field: 'parcelId' };
  if (!CODE_PATTERN.test(code)) return { kind: 'invalidInput', field: 'code' };
  return undefined;
}

/**
 * The parcel a link opened the app for (`?parcel=<id>`, e.g. from a dispatch list), so the driver types
 * only the code; undefined when the link names none or no valid parcel ID.
 */
export function linkedParcel(search: string): string | undefined {
  const parcelId = new URLSearchParams(search).get('parcel')?.trim();
  return parcelId && PARCEL_ID_PATTERN.test(parcelId) ? parcelId : undefined;
}

/** The screen for a verify answer; a network failure (no answer at all) is {@link OFFLINE}. */
export function screenFor(answer: VerifyAnswer): Screen {
  const body = isRecord(answer.body) ? answer.body : {};
  const code = typeof body.code === 'string' ? body.code : undefined;
  switch (answer.status) {
    case 200:
      return typeof body.verifiedAt === 'string'
        ? { kind: 'verified', verifiedAt: body.verifiedAt }
        : { kind: 'unexpected', status: 200 };
    case 400:
      return { kind: 'invalidInput', field: code === 'INVALID_PARCEL_ID' ? 'parcelId' : 'code' };
    case 401:
      // API Gateway's {"message":"Unauthorized"} or the handler's UNAUTHORIZED: the token is no good.
      return { kind: 'signInAgain' };
    case 403:
      // NOT_ASSIGNED (and the older WRONG_DRIVER); API Gateway's own 403 means a token without the scope.
      return code === undefined ? { kind: 'signInAgain' } : { kind: 'notAssigned' };
    case 404:
      // NOT_FOUND from an older API meant "not yours or unknown" as well; either way no code to check here.
      return { kind: 'noCode' };
    case 409:
      return { kind: 'alreadyVerified' };
    case 410:
      return code === 'REVOKED' ? { kind: 'revoked' } : { kind: 'expired' };
    case 422:
      return { kind: 'wrongCode', attemptsRemaining: attemptsRemaining(body.attemptsRemaining) };
    case 423:
      return { kind: 'locked' };
    case 429:
    case 503:
      return { kind: 'tryAgain', retryAfterSeconds: retryAfterSeconds(answer.retryAfter) };
    default:
      return answer.status >= 500
        ? { kind: 'tryAgain', retryAfterSeconds: retryAfterSeconds(answer.retryAfter) }
        : { kind: 'unexpected', status: answer.status };
  }
}

/** No answer: the request never reached the API (no signal at the door). */
export const OFFLINE: Screen = { kind: 'offline' };

/** Whether the driver may send the same parcel and code again from this screen. */
export function canRetry(screen: Screen): boolean {
  return screen.kind === 'tryAgain' || screen.kind === 'offline';
}

/** Whether the code field is cleared for a new entry (a wrong code); other screens end the handover. */
export function asksForAnotherCode(screen: Screen): boolean {
  return screen.kind === 'wrongCode' || (screen.kind === 'invalidInput' && screen.field === 'code');
}

/** Seconds from a `Retry-After` header (delta-seconds or an HTTP date), within 0..{@link MAX_RETRY_AFTER_SECONDS}. */
export function retryAfterSeconds(header: string | null, nowMs: number = Date.now()): number {
  if (header === null || header.trim() === '') return DEFAULT_RETRY_AFTER_SECONDS;
  const trimmed = header.trim();
  let seconds: number;
  if (/^\d+$/.test(trimmed)) seconds = Number(trimmed);
  else {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return DEFAULT_RETRY_AFTER_SECONDS;
    seconds = Math.ceil((at - nowMs) / 1000);
  }
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(0, seconds));
}

function attemptsRemaining(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
