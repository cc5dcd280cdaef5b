import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { readEnvironment } from '../../lambdas/contracts/environment.ts';
import { smsOffered } from '../../lambdas/shared/on-demand-wiring.ts';
import { RECIPIENT_EMAIL } from '../support/fixtures.ts';
import { recipientRouteTest, testEnvironment } from './support.ts';

// 2026-12-01 14:00 in Berlin: the code (valid to 23:00 UTC) is open.
const NOW = new Date('2026-12-01T13:00:00Z');
const secrets = mockClient(SecretsManagerClient);
const ses = mockClient(SESClient);
const sms = mockClient(PinpointSMSVoiceV2Client);

// A deployment without the `sms` prop sets neither SMS variable.
const route = recipientRouteTest(
  'resend-otp',
  'POST /parcels/{parcelId}/otp/resend',
  { SMS_ORIGINATION_IDENTITY: undefined, SMS_CONFIGURATION_SET: undefined },
  { secrets, mocks: [ses, sms], now: NOW },
);

beforeEach(() => {
  ses.on(SendEmailCommand).resolves({ MessageId: 'msg-resent' });
  sms.on(SendTextMessageCommand).resolves({ MessageId: 'sms-1' });
});

const resend = (parcelId: string, body?: string) =>
  route.call(parcelId, { recipientEmail: RECIPIENT_EMAIL, ...(body === undefined ? {} : { body }) });

describe('resend-otp handler without an SMS channel', () => {
  it('answers 422 CHANNEL_NOT_OFFERED to {"channel":"SMS"}, sending and counting nothing, even with a phone on file', async () => {
    // Prepare
    const parcelId = await route.parcelWith({}, { phone: '+4915112345678' });

    // Act
    const response = await resend(parcelId, JSON.stringify({ channel: 'SMS' }));

    // Assess
    expect(response.statusCode).toBe(422);
    expect(response.json).toEqual({
      code: 'CHANNEL_NOT_OFFERED',
      message: 'This deployment does not send codes by SMS',
    });
    expect(sms.commandCalls(SendTextMessageCommand)).toHaveLength(0);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
    expect((await route.test.tables.item(parcelId))?.resendCount).toBeUndefined();
  });

  it('still resends by email', async () => {
    // Prepare
    const parcelId = await route.parcelWith();

    // Act
    const response = await resend(parcelId);

    // Assess
    expect(response.statusCode).toBe(202);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
  });
});

describe('the SMS channel variables', () => {
  it('offer the channel when both are set and none when neither is', () => {
    // Prepare
    const both = readEnvironment('resend-otp', testEnvironment('resend-otp'));
    const neither = readEnvironment(
      'resend-otp',
      testEnvironment('resend-otp', {
        SMS_ORIGINATION_IDENTITY: undefined,
        SMS_CONFIGURATION_SET: undefined,
      }),
    );

    // Act
    const offered = [smsOffered(both), smsOffered(neither)];

    // Assess
    expect(offered).toEqual([true, false]);
  });

  it('refuse one without the other, naming both', () => {
    // Prepare
    const env = readEnvironment(
      'resend-otp',
      testEnvironment('resend-otp', { SMS_CONFIGURATION_SET: undefined }),
    );

    // Act
    const check = () => smsOffered(env);

    // Assess
    expect(check).toThrow(
      'SMS_ORIGINATION_IDENTITY and SMS_CONFIGURATION_SET are set together or not at all',
    );
  });
});
