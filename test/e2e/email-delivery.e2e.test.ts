import { describe, expect, it } from 'vitest';
import { SANDBOX_SENDER_EMAIL } from '../../sandbox/app/synth.ts';
import { busEventsFor, markEmailDelayed, runSchedules, textsTo } from '../support/sandbox-harness.ts';
import { useSandbox } from './harness.ts';

const h = useSandbox();

/** SES's events (source aws.ses) about the one email sent to `address`. */
async function sesEventsTo(address: string) {
  const events = await h.client.busEvents();
  return events.filter(
    (event) =>
      event.source === 'aws.ses' &&
      ((event.detail.mail as { destination?: string[] } | undefined)?.destination ?? []).includes(address),
  );
}

describe('SES mailbox simulator in the sandbox', () => {
  it('delivers mail to success@ and publishes Email Sent and Email Delivered in SES shape', async () => {
    // Prepare
    const address = 'success+sim1@simulator.amazonses.com';

    // Act
    await h.ship('SIM-1', { recipient: { email: address, name: 'Alex', locale: 'en-GB' } });

    // Assess
    const events = await sesEventsTo(address);
    expect(events.map((event) => event['detail-type'])).toEqual(['Email Sent', 'Email Delivered']);
    const delivered = events[1];
    expect(delivered?.detail.eventType).toBe('Delivery');
    const mail = delivered?.detail.mail as { messageId: string; tags: Record<string, string[]> };
    expect(mail.messageId).toMatch(/.+/);
    expect(mail.tags['ses:configuration-set']?.[0]).toMatch(/.+/);
    expect(delivered?.resources[0]).toMatch(/^arn:aws:ses:[^:]+:\d{12}:configuration-set\//);
  });

  it('bounces mail to bounce@ permanently (Email Bounced, bounceType Permanent)', async () => {
    // Prepare
    const address = 'bounce+sim2@simulator.amazonses.com';

    // Act
    await h.ship('SIM-2', { recipient: { email: address, name: 'Alex', locale: 'en-GB' } });

    // Assess
    const events = await sesEventsTo(address);
    expect(events.map((event) => event['detail-type'])).toEqual(['Email Sent', 'Email Bounced']);
    expect(events[1]?.detail.bounce).toMatchObject({ bounceType: 'Permanent', bounceSubType: 'General' });
  });

  it('delivers mail to ooto@ (the auto-reply goes to the sender, SES reports a delivery)', async () => {
    // Prepare
    const address = 'ooto+sim3@simulator.amazonses.com';

    // Act
    await h.ship('SIM-3', { recipient: { email: address, name: 'Alex', locale: 'en-GB' } });

    // Assess
    const events = await sesEventsTo(address);
    expect(events.map((event) => event['detail-type'])).toEqual(['Email Sent', 'Email Delivered']);
  });

  it('delivers mail to complaint@, then reports a complaint', async () => {
    // Prepare
    const address = 'complaint+sim4@simulator.amazonses.com';

    // Act
    await h.ship('SIM-4', { recipient: { email: address, name: 'Alex', locale: 'en-GB' } });

    // Assess
    const events = await sesEventsTo(address);
    expect(events.map((event) => event['detail-type'])).toEqual([
      'Email Sent',
      'Email Delivered',
      'Email Complaint Received',
    ]);
    expect(events[2]?.detail.eventType).toBe('Complaint');
  });

  it('bounces mail to suppressionlist@ as on the suppression list', async () => {
    // Prepare
    const address = 'suppressionlist+sim5@simulator.amazonses.com';

    // Act
    await h.ship('SIM-5', { recipient: { email: address, name: 'Alex', locale: 'en-GB' } });

    // Assess
    const events = await sesEventsTo(address);
    expect(events.map((event) => event['detail-type'])).toEqual(['Email Sent', 'Email Bounced']);
    expect(events[1]?.detail.bounce).toMatchObject({ bounceType: 'Permanent', bounceSubType: 'Suppressed' });
  });

  it('delivers mail to any other address', async () => {
    // Prepare
    const address = 'sim6@example.com';

    // Act
    await h.ship('SIM-6', { recipient: { email: address, name: 'Alex', locale: 'en-GB' } });

    // Assess
    const events = await sesEventsTo(address);
    expect(events.map((event) => event['detail-type'])).toEqual(['Email Sent', 'Email Delivered']);
  });
});

/** The SMS the sandbox's SMS endpoint took for `phone`. */
const smsTo = (phone: string) => textsTo(h.sandbox, phone);

const track = (parcelId: string, recipient: string) => h.client.track(parcelId, recipient);

const recipientWith = (email: string, phone?: string, locale = 'de-DE') => ({
  recipient: { email, name: 'Alex Example', locale, ...(phone ? { phone } : {}) },
});

describe('Delivery status on Track Package', () => {
  it('shows the email DELIVERED once SES reports the delivery', async () => {
    // Prepare
    const address = 'success+st1@simulator.amazonses.com';

    // Act
    await h.ship('ST-1', recipientWith(address));
    const answer = await track('ST-1', address);

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body.delivery).toEqual({ email: 'DELIVERED' });
  });

  it('shows COMPLAINED after a complaint, and a late Delivery redelivered after it changes nothing', async () => {
    // Prepare
    const address = 'complaint+st2@simulator.amazonses.com';
    await h.ship('ST-2', recipientWith(address));
    const delivered = (await sesEventsTo(address)).find(
      (event) => event['detail-type'] === 'Email Delivered',
    );

    // Act
    await h.client.redeliver(delivered?.id ?? '');
    await h.sandbox.settled();
    const answer = await track('ST-2', address);

    // Assess
    expect(answer.body.delivery).toEqual({ email: 'COMPLAINED' });
  });

  it('keeps DELIVERED when the Send event of the email is delivered again late', async () => {
    // Prepare
    const address = 'success+st3@simulator.amazonses.com';
    await h.ship('ST-3', recipientWith(address));
    const sent = (await sesEventsTo(address)).find((event) => event['detail-type'] === 'Email Sent');

    // Act
    await h.client.redeliver(sent?.id ?? '');
    await h.sandbox.settled();

    // Assess
    expect((await track('ST-3', address)).body.delivery).toEqual({ email: 'DELIVERED' });
  });
});

describe('SMS fallback', () => {
  it('texts the code (German, with the email guidance) when the email bounces and a phone is on file', async () => {
    // Prepare
    const address = 'bounce+fb1@simulator.amazonses.com';
    const phone = '+4915100000001';

    // Act
    const { emails } = await h.ship('FB-1', recipientWith(address, phone));

    // Assess
    const messages = await smsTo(phone);
    expect(messages).toHaveLength(1);
    const code = /\b(\d{6})\b/.exec(emails[0]?.text ?? '')?.[1];
    expect(messages[0]?.messageBody).toContain(code);
    expect(messages[0]?.messageBody).toContain('wer das Paket annimmt, darf ihn nutzen');
    expect(messages[0]?.messageBody).toContain('Niemals am Telefon weitergeben, auch nicht dem Zusteller');
    const answer = await track('FB-1', address);
    expect(answer.body.delivery).toEqual({ email: 'BOUNCED', sms: 'DELIVERED', bounceType: 'Permanent' });
    const undeliverable = await busEventsFor(h, 'Delivery Otp Undeliverable', 'FB-1');
    expect(undeliverable).toEqual([]);
  });

  it('texts English to a non-German locale and sends one SMS however often the bounce is delivered', async () => {
    // Prepare
    const address = 'suppressionlist+fb2@simulator.amazonses.com';
    const phone = '+447400900002';
    await h.ship('FB-2', recipientWith(address, phone, 'en-GB'));
    const bounced = (await sesEventsTo(address)).find((event) => event['detail-type'] === 'Email Bounced');

    // Act
    await Promise.all([h.client.redeliver(bounced?.id ?? ''), h.client.redeliver(bounced?.id ?? '')]);
    await h.sandbox.settled();

    // Assess
    const messages = await smsTo(phone);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.messageBody).toContain('whoever accepts the parcel may use it');
    expect(messages[0]?.messageBody).toContain('Never give it out on the phone, not even to the driver');
  });

  it('without a phone emits Delivery Otp Undeliverable once, with no phone, code or address in it', async () => {
    // Prepare
    const address = 'bounce+fb3@simulator.amazonses.com';
    await h.ship('FB-3', recipientWith(address));
    const bounced = (await sesEventsTo(address)).find((event) => event['detail-type'] === 'Email Bounced');

    // Act
    await h.client.redeliver(bounced?.id ?? '');
    await h.sandbox.settled();

    // Assess
    const undeliverable = await busEventsFor(h, 'Delivery Otp Undeliverable', 'FB-3');
    expect(undeliverable).toEqual([{ parcelId: 'FB-3', channel: 'EMAIL', reason: 'EMAIL_BOUNCED' }]);
    expect((await track('FB-3', address)).body.delivery).toEqual({
      email: 'BOUNCED',
      bounceType: 'Permanent',
    });
  });

  it('sends no SMS when the email is delivered, even with a phone on file', async () => {
    // Prepare
    const phone = '+4915100000004';

    // Act
    await h.ship('FB-4', recipientWith('success+fb4@simulator.amazonses.com', phone));

    // Assess
    expect(await smsTo(phone)).toEqual([]);
  });

  it('refuses a phone number that is not E.164, naming the field, and writes nothing', async () => {
    // Prepare
    const address = 'fb5@example.com';

    // Act
    await h.ship('FB-5', recipientWith(address, '0151 0000005'));

    // Assess
    const execution = (await h.client.executions()).find((candidate) => candidate.input.includes('FB-5'));
    expect(execution?.status).toBe('FAILED');
    expect(execution?.error).toBe('InvalidParcelEventError');
    expect(execution?.cause).toContain('detail.recipient.phone');
    expect(execution?.cause).not.toContain('0151');
    expect(await h.item('FB-5')).toBeUndefined();
  });
});

describe('Resend by SMS', () => {
  it('texts the current code on {"channel":"SMS"} and shows it on Track', async () => {
    // Prepare
    const address = 'rs1@example.com';
    const phone = '+4915100000011';
    const { emails } = await h.ship('RS-1', recipientWith(address, phone));
    const code = /\b(\d{6})\b/.exec(emails[0]?.text ?? '')?.[1];

    // Act
    const answer = await h.client.resend('RS-1', address, {
      channel: 'SMS',
    });

    // Assess
    expect(answer).toEqual({ status: 202, body: { code: 'RESENT', resendsRemaining: 2 } });
    const messages = await smsTo(phone);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.messageBody).toContain(code);
    await h.sandbox.settled();
    expect((await track('RS-1', address)).body.delivery).toEqual({ email: 'DELIVERED', sms: 'DELIVERED' });
  });

  it('counts SMS and email resends against the same limit of 3 per code', async () => {
    // Prepare
    const address = 'rs2@example.com';
    await h.ship('RS-2', recipientWith(address, '+4915100000012'));
    const resend = (channel?: string) => h.client.resend('RS-2', address, channel ? { channel } : undefined);

    // Act
    const statuses = [
      (await resend('SMS')).status,
      (await resend()).status,
      (await resend('EMAIL')).status,
      (await resend('SMS')).status,
      (await resend()).status,
    ];

    // Assess
    expect(statuses).toEqual([202, 202, 202, 429, 429]);
    expect(await smsTo('+4915100000012')).toHaveLength(1);
    expect(await h.client.emailsTo(address)).toHaveLength(3);
  });

  it('refuses an SMS resend without a phone on file (422 NO_PHONE), and counts nothing', async () => {
    // Prepare
    const address = 'rs3@example.com';
    await h.ship('RS-3', recipientWith(address));

    // Act
    const refused = await h.client.resend('RS-3', address, {
      channel: 'SMS',
    });
    const emailed = await h.client.resend('RS-3', address);

    // Assess
    expect(refused).toEqual({ status: 422, body: { code: 'NO_PHONE' } });
    expect(emailed.body).toEqual({ code: 'RESENT', resendsRemaining: 2 });
  });

  it('answers a stranger exactly as for a missing parcel, whether or not a phone is on file', async () => {
    // Prepare
    await h.ship('RS-4', recipientWith('rs4@example.com', '+4915100000014'));
    await h.ship('RS-5', recipientWith('rs5@example.com'));

    // Act
    const answers = await Promise.all(
      ['RS-4', 'RS-5', 'RS-NONE'].map((parcelId) =>
        h.client.resend(parcelId, 'stranger@example.com', {
          channel: 'SMS',
        }),
      ),
    );

    // Assess
    for (const answer of answers) expect(answer).toEqual({ status: 404, body: { code: 'NOT_FOUND' } });
    expect(await smsTo('+4915100000014')).toEqual([]);
  });

  it('refuses an unknown channel with 400 INVALID_CHANNEL', async () => {
    // Prepare
    const address = 'rs6@example.com';
    await h.ship('RS-6', recipientWith(address));

    // Act
    const answer = await h.client.resend('RS-6', address, {
      channel: 'PIGEON',
    });

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('INVALID_CHANNEL');
  });
});

describe('A reissued code follows the channel that last worked', () => {
  const reissue = async (parcelId: string) => {
    const deliveryDate = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await h.publish('Parcel Out For Delivery', { parcelId, driverId: 'D-RE-1', deliveryDate });
    await h.publish('Delivery Attempt Failed', {
      parcelId,
      driverId: 'D-RE-1',
      reason: 'NOBODY_HOME',
      nextAttemptDate: deliveryDate,
    });
  };

  it('texts the new code when the email bounced and the SMS went out; Track shows it went by SMS only', async () => {
    // Prepare
    const address = 'bounce+re1@simulator.amazonses.com';
    const phone = '+4915100000021';
    await h.ship('RE-1', recipientWith(address, phone));
    const emailsBefore = (await h.client.emailsTo(address)).length;

    // Act
    await reissue('RE-1');

    // Assess
    const messages = await smsTo(phone);
    expect(messages).toHaveLength(2);
    expect(messages[1]?.messageBody).not.toEqual(messages[0]?.messageBody);
    expect(await h.client.emailsTo(address)).toHaveLength(emailsBefore);
    expect((await track('RE-1', address)).body.delivery).toEqual({ email: 'NOT_SENT', sms: 'DELIVERED' });
  });

  it("retries an SMS of the new code throttled past the SDK's attempts and texts it once, with no failure on the bus", async () => {
    // Prepare
    const address = 'bounce+re3@simulator.amazonses.com';
    const phone = '+4915100000023';
    await h.ship('RE-3', recipientWith(address, phone));
    // Three: the SDK's own attempts of one send, so the workflow's retry must bring the code through.
    h.sandbox.sms.failNext({ errorCode: 'ThrottlingException', message: 'Rate exceeded', times: 3 });

    // Act
    await reissue('RE-3');

    // Assess
    expect(await smsTo(phone)).toHaveLength(2);
    const failures = await busEventsFor(h, 'Delivery Otp Email Failed', 'RE-3');
    expect(failures).toEqual([]);
  });

  it('emails the new code when the SMS service refuses the number for good, and reports it undeliverable when that email bounces too', async () => {
    // Prepare
    const address = 'bounce+re4@simulator.amazonses.com';
    const phone = '+4915100000024';
    await h.ship('RE-4', recipientWith(address, phone));
    const emailsBefore = (await h.client.emailsTo(address)).length;
    h.sandbox.sms.failNext({
      errorCode: 'ConflictException',
      message: 'DESTINATION_PHONE_NUMBER_OPTED_OUT',
      times: 2,
    });

    // Act
    await reissue('RE-4');

    // Assess
    expect(await smsTo(phone)).toHaveLength(1);
    expect(await h.client.emailsTo(address)).toHaveLength(emailsBefore + 1);
    const events = (await h.client.busEvents()).filter((event) => event.detail.parcelId === 'RE-4');
    expect(events.filter((event) => event['detail-type'] === 'Delivery Otp Email Failed')).toEqual([]);
    expect(
      events
        .filter((event) => event['detail-type'] === 'Delivery Otp Undeliverable')
        .map((event) => event.detail),
    ).toEqual([{ parcelId: 'RE-4', channel: 'SMS', reason: 'SMS_REJECTED' }]);
  });

  it('emails the new code when the email was delivered, even with a phone on file', async () => {
    // Prepare
    const address = 're2@example.com';
    const phone = '+4915100000022';
    await h.ship('RE-2', recipientWith(address, phone));

    // Act
    await reissue('RE-2');

    // Assess
    expect(await h.client.emailsTo(address)).toHaveLength(2);
    expect(await smsTo(phone)).toEqual([]);
  });
});

describe('DELAYED for too long', () => {
  /**
   * SES's mailbox simulator has no address whose mail is delayed: the state SES's `DeliveryDelay` event
   * leaves (status DELAYED, in the delayed index since `minutesAgo`) is written through DynamoDB's API.
   */
  const delayedSince = (parcelId: string, minutesAgo: number) =>
    markEmailDelayed(h.sandbox, parcelId, minutesAgo);
  const sweep = () => runSchedules(h.sandbox);

  it('texts the code once the email has been DELAYED for 30 minutes, and not before', async () => {
    // Prepare
    const early = { address: 'dl1@example.com', phone: '+4915100000031' };
    const late = { address: 'dl2@example.com', phone: '+4915100000032' };
    await h.ship('DL-1', recipientWith(early.address, early.phone));
    await h.ship('DL-2', recipientWith(late.address, late.phone));
    await delayedSince('DL-1', 29);
    await delayedSince('DL-2', 31);

    // Act
    await sweep();
    await sweep();

    // Assess
    expect(await smsTo(early.phone)).toEqual([]);
    expect(await smsTo(late.phone)).toHaveLength(1);
    expect((await track('DL-2', late.address)).body.delivery).toEqual({
      email: 'DELAYED',
      sms: 'DELIVERED',
    });
  });

  it('reports a long-delayed email without a phone as Undeliverable (EMAIL_DELAYED), once', async () => {
    // Prepare
    await h.ship('DL-3', recipientWith('dl3@example.com'));
    await delayedSince('DL-3', 45);

    // Act
    await sweep();
    await sweep();

    // Assess
    const undeliverable = await busEventsFor(h, 'Delivery Otp Undeliverable', 'DL-3');
    expect(undeliverable).toEqual([{ parcelId: 'DL-3', channel: 'EMAIL', reason: 'EMAIL_DELAYED' }]);
  });
});

describe('Sandbox endpoints refuse what AWS refuses', () => {
  it('SendTextMessage refuses a number that is not E.164 and an unknown configuration set', async () => {
    // Prepare
    const { PinpointSMSVoiceV2Client, SendTextMessageCommand } = await import(
      '@aws-sdk/client-pinpoint-sms-voice-v2'
    );
    const { endpoints } = h.sandbox;
    const client = new PinpointSMSVoiceV2Client({
      region: endpoints.region,
      credentials: endpoints.credentials,
      endpoint: endpoints.smsEndpoint,
    });
    // The stack's own SMS configuration set, by the name the template gives it.
    const [[smsSetId] = []] = h.sandbox.resolver.resourcesOfType('AWS::SMSVOICE::ConfigurationSet');
    const stackSet = h.sandbox.resolver.ref(String(smsSetId));
    const send = (input: { DestinationPhoneNumber: string; ConfigurationSetName?: string }) =>
      client.send(new SendTextMessageCommand({ MessageBody: 'hi', MessageType: 'TRANSACTIONAL', ...input }));

    // Act
    const answers = await Promise.allSettled([
      send({ DestinationPhoneNumber: '015112345678' }),
      send({ DestinationPhoneNumber: '+4915112345678', ConfigurationSetName: 'no-such-set' }),
      send({ DestinationPhoneNumber: '+4915100000099', ConfigurationSetName: stackSet }),
    ]);

    // Assess
    expect(
      answers.map((answer) => (answer.status === 'rejected' ? (answer.reason as Error).name : 'ok')),
    ).toEqual(['ValidationException', 'ResourceNotFoundException', 'ok']);
  });

  it('SendEmail refuses a message tag value SES does not allow (a dot)', async () => {
    // Prepare
    const { SESClient, SendEmailCommand } = await import('@aws-sdk/client-ses');
    const { endpoints } = h.sandbox;
    const ses = new SESClient({
      region: endpoints.region,
      credentials: endpoints.credentials,
      endpoint: endpoints.sesEndpoint,
    });

    // Act
    const sending = ses.send(
      new SendEmailCommand({
        Source: SANDBOX_SENDER_EMAIL,
        Destination: { ToAddresses: ['tag@example.com'] },
        Message: { Subject: { Data: 's' }, Body: { Text: { Data: 't' } } },
        Tags: [{ Name: 'parcel', Value: 'P.1001' }],
      }),
    );

    // Assess
    await expect(sending).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });
});
