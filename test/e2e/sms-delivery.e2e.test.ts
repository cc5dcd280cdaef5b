/**
 * End User Messaging SMS's events about code SMS, as AWS sends them: the configuration set's SNS event
 * destination, the topic (its policy and key decide who publishes), the Lambda subscription, and the
 * per-code status Track Package shows.
 */
import { describe, expect, it } from 'vitest';
import { busEventsFor, textsTo } from '../support/sandbox-harness.ts';
import { bouncingRecipientWithPhone, useSandbox } from './harness.ts';

const h = useSandbox();

const bouncingWithPhone = (label: string, phone: string) => ({
  recipient: bouncingRecipientWithPhone(label, phone),
});

describe('SMS delivery events', () => {
  it('shows the code SMS DELIVERED on Track Package once End User Messaging reports it, and reports nothing undeliverable', async () => {
    // Prepare
    const phone = '+4915100000301';
    const { recipient } = bouncingWithPhone('sd1', phone);

    // Act
    await h.ship('SD-1', { recipient });
    await h.sandbox.settled();

    // Assess
    expect(await textsTo(h.sandbox, phone)).toHaveLength(1);
    const answer = await h.client.track('SD-1', recipient.email);
    expect(answer.body.delivery).toEqual({ email: 'BOUNCED', sms: 'DELIVERED', bounceType: 'Permanent' });
    expect(await busEventsFor(h, 'Delivery Otp Undeliverable', 'SD-1')).toEqual([]);
    const item = await h.item('SD-1');
    expect(item).toMatchObject({ smsDelivery: { S: 'DELIVERED' }, smsDeliveryRank: { N: '3' } });
    // The event's phone number is never stored.
    expect(JSON.stringify(item)).not.toContain(phone.slice(1));
  });

  it('shows the SMS FAILED with its reason when the carrier cannot reach the number, and reports the code undeliverable once (its email bounced too)', async () => {
    // Prepare
    const phone = '+4915100000302';
    h.sandbox.sms.simulateDeliveryFailure(phone, 'TEXT_CARRIER_UNREACHABLE');
    const { recipient } = bouncingWithPhone('sd2', phone);

    // Act
    await h.ship('SD-2', { recipient });
    await h.sandbox.settled();

    // Assess
    const answer = await h.client.track('SD-2', recipient.email);
    expect(answer.body.delivery).toEqual({
      email: 'BOUNCED',
      sms: 'FAILED',
      smsFailure: 'CARRIER_UNREACHABLE',
      bounceType: 'Permanent',
    });
    expect(await busEventsFor(h, 'Delivery Otp Undeliverable', 'SD-2')).toEqual([
      { parcelId: 'SD-2', channel: 'SMS', reason: 'SMS_FAILED' },
    ]);
  });

  it('shows a resent SMS’s own failure on a code whose email was delivered, and reports nothing undeliverable', async () => {
    // Prepare: the email arrives; the SMS resend fails at the carrier.
    const phone = '+4915100000303';
    h.sandbox.sms.simulateDeliveryFailure(phone, 'TEXT_BLOCKED');
    const email = 'sd3@example.com';
    await h.ship('SD-3', { recipient: { email, name: 'Alex Example', locale: 'de-DE', phone } });

    // Act
    const resent = await h.client.resend('SD-3', email, { channel: 'SMS' });
    await h.sandbox.settled();

    // Assess
    expect(resent.status).toBe(202);
    expect((await h.client.track('SD-3', email)).body.delivery).toEqual({
      email: 'DELIVERED',
      sms: 'FAILED',
      smsFailure: 'BLOCKED',
    });
    expect(await busEventsFor(h, 'Delivery Otp Undeliverable', 'SD-3')).toEqual([]);
  });

  it('publishes as sms-voice.amazonaws.com for the configuration set, allowed by the topic and key policies, and invokes the recorder as sns.amazonaws.com', async () => {
    // Prepare
    const phone = '+4915100000304';
    const before = h.sandbox.iam.decisions.length;

    // Act
    await h.ship('SD-4', bouncingWithPhone('sd4', phone));
    await h.sandbox.settled();

    // Assess
    const decisions = h.sandbox.iam.decisions.slice(before);
    const smsVoice = decisions.filter((decision) => decision.principal === 'sms-voice.amazonaws.com');
    expect(smsVoice.map((decision) => [decision.action, decision.allowed])).toContainEqual([
      'sns:Publish',
      true,
    ]);
    expect(smsVoice.map((decision) => [decision.action, decision.allowed])).toContainEqual([
      'kms:GenerateDataKey',
      true,
    ]);
    expect(smsVoice.every((decision) => decision.sourceArn?.includes(':configuration-set/'))).toBe(true);
    const sns = decisions.filter((decision) => decision.principal === 'sns.amazonaws.com');
    expect(sns.map((decision) => [decision.action, decision.allowed])).toContainEqual([
      'lambda:InvokeFunction',
      true,
    ]);
  });
});
