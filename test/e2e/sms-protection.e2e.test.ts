/**
 * SMS toll fraud: a code SMS goes only to the allowed countries, costs at most MaxPrice, and one number
 * gets at most five a day across parcels. The sandbox's End User Messaging refuses as AWS does (the
 * template's protect configuration, MaxPrice); a refused number is treated as one without SMS.
 */
import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { describe, expect, it } from 'vitest';
import { ParcelShippedDetailExample } from '../../lambdas/domain/events/carrier-events.ts';
import { todayIn } from '../../sandbox/app/ship-parcel.ts';
import { busEventsFor, textsTo } from '../support/sandbox-harness.ts';
import { bouncingRecipientWithPhone, useSandbox } from './harness.ts';

const e2e = useSandbox();
const smsTo = (phone: string) => textsTo(e2e.sandbox, phone);

/** Ships a parcel whose code email bounces, so its code goes by SMS to `phone`. */
const shipBouncing = (parcelId: string, phone: string) =>
  e2e.ship(parcelId, { recipient: bouncingRecipientWithPhone(parcelId, phone) });

describe('SMS toll fraud protection', () => {
  it('answers a SendTextMessage to a blocked country with ConflictException, as the protect configuration does', async () => {
    // Prepare
    const { endpoints } = e2e.sandbox;
    const client = new PinpointSMSVoiceV2Client({
      endpoint: endpoints.smsEndpoint,
      region: endpoints.region,
      credentials: endpoints.credentials,
    });
    const configurationSet = e2e.sandbox.resolver
      .resourcesOfType('AWS::SMSVOICE::ConfigurationSet')
      .map(([logicalId]) => e2e.sandbox.resolver.ref(logicalId))[0];

    // Act
    const send = client.send(
      new SendTextMessageCommand({
        DestinationPhoneNumber: '+2348031234567',
        MessageBody: 'hello',
        ConfigurationSetName: configurationSet,
      }),
    );

    // Assess
    await expect(send).rejects.toMatchObject({
      name: 'ConflictException',
      message: expect.stringContaining('DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION'),
    });
  });

  it('sends no code SMS to a country outside the allow-list: the code is reported undeliverable once', async () => {
    // Act: a Nigerian number, outside the markets of EUR, GBP, USD and CHF.
    await shipBouncing('SMS-COUNTRY-1', '+2348031234567');

    // Assess
    expect(await smsTo('+2348031234567')).toEqual([]);
    expect(await busEventsFor(e2e, 'Delivery Otp Undeliverable', 'SMS-COUNTRY-1')).toEqual([
      { parcelId: 'SMS-COUNTRY-1', channel: 'SMS', reason: 'SMS_REJECTED' },
    ]);
  });

  it('sends no code SMS dearer than MaxPrice: the code is reported undeliverable once', async () => {
    // Prepare: Austria's price over the 0.30 USD cap.
    e2e.sandbox.sms.setPrice('AT', 0.45);

    // Act
    await shipBouncing('SMS-PRICE-1', '+436641234567');

    // Assess
    e2e.sandbox.sms.setPrice('AT', 0.05);
    expect(await smsTo('+436641234567')).toEqual([]);
    expect(await busEventsFor(e2e, 'Delivery Otp Undeliverable', 'SMS-PRICE-1')).toEqual([
      { parcelId: 'SMS-PRICE-1', channel: 'SMS', reason: 'SMS_REJECTED' },
    ]);
  });

  it('texts one number at most five times a day across parcels; the sixth parcel’s code is reported undeliverable', async () => {
    // Prepare
    const phone = '+4915100000066';

    // Act
    for (let parcel = 1; parcel <= 6; parcel++) await shipBouncing(`SMS-PUMP-${parcel}`, phone);

    // Assess
    expect(await smsTo(phone)).toHaveLength(5);
    expect(await busEventsFor(e2e, 'Delivery Otp Undeliverable', 'SMS-PUMP-6')).toEqual([
      { parcelId: 'SMS-PUMP-6', channel: 'SMS', reason: 'SMS_REJECTED' },
    ]);
    expect(e2e.logLines.join('\n')).not.toContain('15100000066');
  });

  it('texts the handover receipt (German) to a recipient whose code email bounced, once, and emails none', async () => {
    // Prepare
    const parcelId = 'SMS-RECEIPT-1';
    const phone = '+4915100000077';
    const { recipient } = await shipBouncing(parcelId, phone);
    const code = /\b(\d{6})\b/.exec((await smsTo(phone))[0]?.messageBody ?? '')?.[1] as string;
    await e2e.publish('Parcel Out For Delivery', {
      parcelId,
      driverId: 'D-1',
      deliveryDate: todayIn(ParcelShippedDetailExample.destination.timeZone),
    });

    // Act
    const verified = await e2e.client.verify(parcelId, { code }, await e2e.client.driverToken('D-1'));
    await e2e.sandbox.settled();

    // Assess
    expect(verified.status).toBe(200);
    const texts = await smsTo(phone);
    expect(texts).toHaveLength(2);
    expect(texts[1]?.messageBody).toMatch(
      /^Secure Delivery: Paket SMS-RECEIPT-1 \(Bestellung .*\) wurde am .* übergeben/,
    );
    expect(texts[1]?.messageBody.length).toBeLessThanOrEqual(2 * 153);
    expect(texts[1]?.messageBody).toContain('Kundenservice');
    expect(texts[1]?.messageBody).not.toContain(code);
    expect((await e2e.client.emailsTo(recipient)).filter((email) => /übergeben/.test(email.subject))).toEqual(
      [],
    );
  });
});
