import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import type { OtpRecord } from '../../lambdas/domain/otp-record.ts';
import { OTP_CODE, PARCEL_ID, RECIPIENT_EMAIL } from '../support/fixtures.ts';
import { recipientRouteTest } from './support.ts';

// 2026-12-01 14:00 in Berlin: the code (valid to 23:00 UTC) is open.
const NOW = new Date('2026-12-01T13:00:00Z');
const secrets = mockClient(SecretsManagerClient);

const route = recipientRouteTest('track-otp', 'GET /parcels/{parcelId}/otp', {}, { secrets, now: NOW });
const parcelWith = route.parcelWith;
const track = (parcelId: string, recipientEmail?: string) =>
  route.call(parcelId, recipientEmail === undefined ? {} : { recipientEmail });

describe('track-otp handler', () => {
  it('shows the parcel’s own recipient the current code, until when it is valid and how it is reaching them', async () => {
    // Prepare
    const parcelId = await parcelWith({ emailStatus: 'SENT', emailDelivery: 'DELIVERED' });

    // Act
    const response = await track(parcelId, RECIPIENT_EMAIL.toUpperCase());

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({
      'content-type': 'application/json',
      'cache-control': 'no-store',
    });
    expect(response.json).toEqual({
      code: OTP_CODE,
      validUntil: '2026-12-01T23:00:00.000Z',
      delivery: { email: 'DELIVERED' },
    });
  });

  it('answers a wrong recipient, a missing or malformed header and an unknown parcel identically: 404 NOT_FOUND', async () => {
    // Prepare
    const parcelId = await parcelWith();

    // Act
    const answers = [
      await track(parcelId, 'mallory@example.com'),
      await track(parcelId),
      await track(parcelId, '\u212Aelly@example.com'),
      await track(`${PARCEL_ID}-NEVER`, RECIPIENT_EMAIL),
    ];

    // Assess
    for (const answer of answers) {
      expect({ status: answer.statusCode, headers: answer.headers, body: answer.body }).toEqual({
        status: 404,
        headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
        body: JSON.stringify({ code: 'NOT_FOUND' }),
      });
    }
  });

  it.each<[string, Partial<OtpRecord>, number, string]>([
    ['a verified code', { status: 'VERIFIED' }, 409, 'ALREADY_VERIFIED'],
    ['a revoked code', { status: 'REVOKED' }, 410, 'REVOKED'],
    ['an expired code', { expiresAt: NOW.getTime() / 1000 }, 410, 'EXPIRED'],
  ])('answers the recipient %s with %i %s and no code', async (_case, stored, status, code) => {
    // Prepare
    const parcelId = await parcelWith(stored);

    // Act
    const response = await track(parcelId, RECIPIENT_EMAIL);

    // Assess
    expect(response.statusCode).toBe(status);
    expect(response.json).toEqual({ code });
    expect(response.body).not.toContain(OTP_CODE);
  });

  it('refuses a malformed parcel id with 400 naming the rule, reading nothing', async () => {
    // Act
    const response = await track('PCL 1/../x', RECIPIENT_EMAIL);

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.json).toMatchObject({ code: 'INVALID_PARCEL_ID' });
    expect(secrets.calls()).toHaveLength(0);
  });
});
