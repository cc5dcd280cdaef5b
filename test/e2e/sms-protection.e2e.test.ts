/**
 * SMS toll fraud: a code SMS goes only to the allowed countries, costs at most MaxPrice, and one number
 * gets at most five a day across parcels. The sandbox's End User Messaging refuses as AWS does (the
 * template's protect configuration, MaxPrice); a refused number is treated as one without SMS.
 */
import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { describe, expect, it } from 'vitest';
import { busEventsFor, textsTo } from '../support/sandbox-harness.ts';
import { useSandbox } from './harness.ts';

const e2e = useSandbox();
const smsTo = (phone: string) => textsTo(e2e.sandbox, phone);

/** Ships a parcel whose code email bounces, so its code goes by SMS to `phone`. */
const shipBouncing = (parcelId: string, phone: string) =>
  e2e.ship(parcelId, {
    recipient: {
      email: `bounce+${parcelId.toLowerCase()}@simulator.amazonses.com`,
      name: 'Alex Example',
      locale: 'de-DE',
      phone,
    },
  });

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
    // Prepare: Austria's price over the 0.20 USD cap.
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
});
