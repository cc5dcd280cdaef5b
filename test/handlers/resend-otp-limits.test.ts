import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENT } from '../../lambdas/contracts/environment.ts';
import { RECIPIENT_EMAIL } from '../support/fixtures.ts';
import { recipientRouteTest } from './support.ts';

// The resend cap limits how often a code can be pushed at a recipient: this file sets it and the lease to
// values other than the contract's defaults, so a handler that ignored its environment would fail here.

const MAX_RESENDS = 1;
const LEASE_SECONDS = 40;
// 2026-12-01 14:00 in Berlin: the code (valid to 23:00 UTC) is open.
const NOW = new Date('2026-12-01T13:00:00Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const secrets = mockClient(SecretsManagerClient);
const ses = mockClient(SESClient);
const sms = mockClient(PinpointSMSVoiceV2Client);

const route = recipientRouteTest(
  'resend-otp',
  'POST /parcels/{parcelId}/otp/resend',
  {
    SENDER_EMAIL: 'no-reply@secure-delivery.example.com',
    SES_CONFIGURATION_SET: 'secure-delivery',
    SMS_ORIGINATION_IDENTITY: 'pool-secure-delivery',
    SMS_CONFIGURATION_SET: 'secure-delivery-sms',
    MAX_RESENDS_PER_CODE: String(MAX_RESENDS),
    RESEND_LEASE_SECONDS: String(LEASE_SECONDS),
  },
  { secrets, mocks: [ses, sms], now: NOW },
);

const resend = (parcelId: string) => route.call(parcelId, { recipientEmail: RECIPIENT_EMAIL });

describe('resend-otp handler: configured cap and lease', () => {
  it('uses a cap and a lease other than the defaults (else this file proves nothing)', () => {
    // Assess
    expect(MAX_RESENDS).not.toBe(ENVIRONMENT.MAX_RESENDS_PER_CODE.default);
    expect(LEASE_SECONDS).not.toBe(ENVIRONMENT.RESEND_LEASE_SECONDS.default);
  });

  it('resends a code at most MAX_RESENDS_PER_CODE times, then answers 429 sending nothing', async () => {
    // Prepare
    ses.on(SendEmailCommand).resolves({ MessageId: 'msg-resent' });
    const parcelId = await route.parcelWith();

    // Act
    const first = await resend(parcelId);
    const second = await resend(parcelId);

    // Assess
    expect(first.statusCode).toBe(202);
    expect(first.json).toEqual({ code: 'RESENT', resendsRemaining: 0 });
    expect(second.statusCode).toBe(429);
    expect(second.json).toEqual({ code: 'TOO_MANY_RESENDS' });
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
  });

  it('holds the code for RESEND_LEASE_SECONDS while its email is on the way', async () => {
    // Prepare
    const parcelId = await route.parcelWith();
    let leaseWhileSending: unknown;
    ses.on(SendEmailCommand).callsFake(async () => {
      leaseWhileSending = (await route.test.tables.item(parcelId))?.resendLeaseUntil;
      return { MessageId: 'msg-resent' };
    });

    // Act
    const response = await resend(parcelId);

    // Assess
    expect(response.statusCode).toBe(202);
    expect(leaseWhileSending).toBe(NOW_SECONDS + LEASE_SECONDS);
  });
});
