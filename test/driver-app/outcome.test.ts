import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../driver-app/src/config.ts';
import { pickLanguage, wordsFor } from '../../driver-app/src/messages.ts';
import {
  asksForAnotherCode,
  canRetry,
  DEFAULT_RETRY_AFTER_SECONDS,
  invalidInput,
  MAX_RETRY_AFTER_SECONDS,
  OFFLINE,
  retryAfterSeconds,
  type Screen,
  screenFor,
} from '../../driver-app/src/outcome.ts';

const answer = (status: number, body: unknown, retryAfter: string | null = null) =>
  screenFor({ status, body, retryAfter });

describe('the driver app’s screen for each verify answer', () => {
  it.each<[string, number, unknown, Screen]>([
    [
      'handed over, with the time',
      200,
      { code: 'VERIFIED', verifiedAt: '2026-12-02T10:15:00.000Z' },
      { kind: 'verified', verifiedAt: '2026-12-02T10:15:00.000Z' },
    ],
    [
      'wrong code, with the tries left',
      422,
      { code: 'WRONG_CODE', attemptsRemaining: 3 },
      { kind: 'wrongCode', attemptsRemaining: 3 },
    ],
    ['locked', 423, { code: 'LOCKED', attemptsRemaining: 0 }, { kind: 'locked' }],
    ['expired', 410, { code: 'EXPIRED' }, { kind: 'expired' }],
    ['revoked or replaced', 410, { code: 'REVOKED' }, { kind: 'revoked' }],
    ['not assigned to you (NOT_ASSIGNED)', 403, { code: 'NOT_ASSIGNED' }, { kind: 'notAssigned' }],
    ['not assigned to you (WRONG_DRIVER, older API)', 403, { code: 'WRONG_DRIVER' }, { kind: 'notAssigned' }],
    ['no code for the parcel', 404, { code: 'NOT_FOUND' }, { kind: 'noCode' }],
    ['already handed over', 409, { code: 'ALREADY_VERIFIED' }, { kind: 'alreadyVerified' }],
    ['sign in again on API Gateway’s 401', 401, { message: 'Unauthorized' }, { kind: 'signInAgain' }],
    ['sign in again on API Gateway’s 403 (no scope)', 403, { message: 'Forbidden' }, { kind: 'signInAgain' }],
    [
      'the parcel ID refused',
      400,
      { code: 'INVALID_PARCEL_ID' },
      { kind: 'invalidInput', field: 'parcelId' },
    ],
    [
      'the code format refused',
      400,
      { code: 'INVALID_CODE_FORMAT' },
      { kind: 'invalidInput', field: 'code' },
    ],
    ['an unknown status', 418, {}, { kind: 'unexpected', status: 418 }],
  ])('shows %s', (_name, status, body, expected) => {
    // Act
    const screen = answer(status, body);

    // Assess
    expect(screen).toEqual(expected);
  });

  it('treats a 200 without verifiedAt as unexpected, never as handed over', () => {
    // Act
    const screen = answer(200, { code: 'VERIFIED' });

    // Assess
    expect(screen).toEqual({ kind: 'unexpected', status: 200 });
  });

  it('shows a wrong code without a count when attemptsRemaining is not a count', () => {
    // Act
    const screen = answer(422, { code: 'WRONG_CODE', attemptsRemaining: '3' });

    // Assess
    expect(screen).toEqual({ kind: 'wrongCode', attemptsRemaining: null });
  });

  it('honours Retry-After on a 503, as seconds or as a date, capped', () => {
    // Prepare
    const now = Date.parse('2026-12-02T10:00:00Z');

    // Act, Assess
    expect(answer(503, { code: 'TRY_AGAIN' }, '7')).toEqual({ kind: 'tryAgain', retryAfterSeconds: 7 });
    expect(answer(503, { message: 'Service Unavailable' })).toEqual({
      kind: 'tryAgain',
      retryAfterSeconds: DEFAULT_RETRY_AFTER_SECONDS,
    });
    expect(retryAfterSeconds('Wed, 02 Dec 2026 10:00:05 GMT', now)).toBe(5);
    expect(retryAfterSeconds('3600', now)).toBe(MAX_RETRY_AFTER_SECONDS);
    expect(retryAfterSeconds('soon', now)).toBe(DEFAULT_RETRY_AFTER_SECONDS);
  });

  it('lets the driver resend the same code only after a busy answer or no connection', () => {
    // Act, Assess
    expect(canRetry(OFFLINE)).toBe(true);
    expect(canRetry({ kind: 'tryAgain', retryAfterSeconds: 1 })).toBe(true);
    expect(canRetry({ kind: 'wrongCode', attemptsRemaining: 2 })).toBe(false);
    expect(canRetry({ kind: 'locked' })).toBe(false);
    expect(asksForAnotherCode({ kind: 'wrongCode', attemptsRemaining: 2 })).toBe(true);
    expect(asksForAnotherCode({ kind: 'locked' })).toBe(false);
  });

  it('refuses a malformed parcel ID or code before sending, so a typo costs no try', () => {
    // Act, Assess
    expect(invalidInput('P-1', '12345')).toEqual({ kind: 'invalidInput', field: 'code' });
    expect(invalidInput('P-1', '12345a')).toEqual({ kind: 'invalidInput', field: 'code' });
    expect(invalidInput('', '123456')).toEqual({ kind: 'invalidInput', field: 'parcelId' });
    expect(invalidInput('P/1', '123456')).toEqual({ kind: 'invalidInput', field: 'parcelId' });
    expect(invalidInput('P'.repeat(65), '123456')).toEqual({ kind: 'invalidInput', field: 'parcelId' });
    expect(invalidInput('P'.repeat(64), '123456')).toBeUndefined();
    expect(invalidInput('P-1', '123456')).toBeUndefined();
  });
});

describe('the driver app’s words', () => {
  it('follows the device’s language, German or English, English otherwise', () => {
    // Act, Assess
    expect(pickLanguage(['de-AT', 'en'])).toBe('de');
    expect(pickLanguage(['fr-FR', 'en-GB'])).toBe('en');
    expect(pickLanguage(['fr-FR'])).toBe('en');
  });

  it('has a title and an instruction for every screen in both languages', () => {
    // Prepare
    const screens: Screen[] = [
      { kind: 'verified', verifiedAt: '2026-12-02T10:15:00Z' },
      { kind: 'wrongCode', attemptsRemaining: 1 },
      { kind: 'locked' },
      { kind: 'expired' },
      { kind: 'revoked' },
      { kind: 'notAssigned' },
      { kind: 'noCode' },
      { kind: 'alreadyVerified' },
      { kind: 'tryAgain', retryAfterSeconds: 2 },
      OFFLINE,
      { kind: 'signInAgain' },
      { kind: 'invalidInput', field: 'code' },
      { kind: 'unexpected', status: 500 },
    ];

    // Act
    const texts = (['en', 'de'] as const).flatMap((language) =>
      screens.map((screen) => wordsFor(language).screen(screen, () => '10:15')),
    );

    // Assess
    for (const text of texts) {
      expect(text.title.length).toBeGreaterThan(0);
      expect(text.body.length).toBeGreaterThan(0);
    }
    expect(wordsFor('de').screen({ kind: 'wrongCode', attemptsRemaining: 1 }, String).body).toContain(
      'Noch 1 Versuch',
    );
    expect(wordsFor('en').screen(screens[0] as Screen, () => '10:15').body).toContain('10:15');
  });

  it('tells a locked driver to record a failed attempt and not to fall back to the phone', () => {
    // Act
    const text = wordsFor('en').screen({ kind: 'locked' }, String).body;

    // Assess
    expect(text).toMatch(/record a failed delivery attempt/);
    expect(text).toMatch(/Do not hand it over on the recipient’s word or phone number/);
  });
});

describe('the driver app’s config.json', () => {
  it('reads every field and drops trailing slashes', () => {
    // Act
    const config = parseConfig({
      apiUrl: 'https://api.example.com/',
      authority: 'https://cognito-idp.eu-central-1.amazonaws.com/pool',
      clientId: 'client',
      scope: 'openid secure-delivery/verify',
      authDomain: 'https://drivers.auth.eu-central-1.amazoncognito.com',
    });

    // Assess
    expect(config.apiUrl).toBe('https://api.example.com');
  });

  it('names the field that is missing or not a URL', () => {
    // Act, Assess
    expect(() => parseConfig({ apiUrl: 'x' })).toThrow(/apiUrl is not a URL/);
    expect(() => parseConfig({ apiUrl: 'https://a' })).toThrow(/authority is missing/);
  });
});
