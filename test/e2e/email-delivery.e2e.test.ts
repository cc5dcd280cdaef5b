import { describe, expect, it } from 'vitest';
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
