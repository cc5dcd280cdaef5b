import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_EVENT_SOURCES, SesDetailType } from '../../lambdas/domain/events/index.ts';
import { kebabDetailType } from '../../lambdas/domain/events/json-schema.ts';
import { type BusEvent, eventValidator, readEventDocuments } from '../support/published-contracts.ts';
import { useSandbox, whileFaulty, wrongCodeFor } from './harness.ts';

const e2e = useSandbox();

const documents = readEventDocuments();
const conforms = eventValidator(documents);

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

const failAttempt = (parcelId: string, reason: string, nextAttemptDate?: string) =>
  e2e.publish('Delivery Attempt Failed', {
    parcelId,
    driverId: 'D-ED-1',
    reason,
    ...(nextAttemptDate ? { nextAttemptDate } : {}),
  });

/** Every event the bus carried during the flow below, whole envelopes as EventBridge delivers them. */
let carried: BusEvent[] = [];

describe('every event on the bus against its published document (docs/events)', () => {
  beforeAll(async () => {
    // A full flow through every event of the contract: issue, out for delivery, handover; not required;
    // a failed attempt with a next date (reissue); one without (revoke); return and cancellation; the
    // parcel-wide cap of wrong codes (locked); an email SES refuses (email failed); an email that bounces
    // with no phone on file (undeliverable); an Out For Delivery for the cancelled parcel (refused).
    const { code, token } = await e2e.readyForHandover('ED-HANDOVER-1', 'D-ED-1');
    await e2e.client.verify('ED-HANDOVER-1', { code }, token);
    await e2e.ship('ED-LOW-1', { declaredValue: { amount: 100, currency: 'EUR' } });
    await e2e.readyForHandover('ED-REISSUE-1', 'D-ED-1');
    await failAttempt('ED-REISSUE-1', 'NOBODY_HOME', inDays(2));
    await e2e.ship('ED-REVOKE-1');
    await failAttempt('ED-REVOKE-1', 'REFUSED');
    await e2e.ship('ED-RETURN-1');
    await e2e.publish('Parcel Returned', { parcelId: 'ED-RETURN-1' });
    await e2e.ship('ED-CANCEL-1');
    await e2e.publish('Shipment Cancelled', { parcelId: 'ED-CANCEL-1' });
    await e2e.publish('Parcel Out For Delivery', {
      parcelId: 'ED-CANCEL-1',
      driverId: 'D-ED-1',
      deliveryDate: inDays(1),
    });
    const locked = await e2e.readyForHandover('ED-LOCKED-1', 'D-ED-1');
    for (const [round, date] of [inDays(1), inDays(2)].entries()) {
      // Wrong codes until the code locks (the reissued code is unknown here: offset past both codes).
      for (let attempt = 0; attempt < 5; attempt++)
        await e2e.client.verify(
          'ED-LOCKED-1',
          { code: wrongCodeFor(locked.code, 500_000 + attempt) },
          locked.token,
        );
      await failAttempt('ED-LOCKED-1', 'OTP_LOCKED', date);
      if (round === 0)
        await e2e.publish('Parcel Out For Delivery', {
          parcelId: 'ED-LOCKED-1',
          driverId: 'D-ED-1',
          deliveryDate: date,
        });
    }
    await whileFaulty(
      e2e.sandbox.faults.ses,
      { operation: 'SendEmail', status: 500, errorCode: 'InternalFailure' },
      () => e2e.ship('ED-EMAILFAIL-1'),
    );
    await e2e.ship('ED-BOUNCE-1', {
      recipient: { email: 'bounce+ed1@simulator.amazonses.com', name: 'Alex Example', locale: 'en-GB' },
    });
    await e2e.sandbox.settled();
    carried = (await e2e.client.busEvents()) as unknown as BusEvent[];
  }, 120_000);

  it('validates every carrier and product event, whole envelope, against docs/events/<detail-type>.json, with no detail field the document lacks', () => {
    // Prepare
    const ours = carried.filter(
      (event) =>
        event.source === DEFAULT_EVENT_SOURCES.carrier || event.source === DEFAULT_EVENT_SOURCES.product,
    );

    // Act
    const problems = ours.flatMap((event) => conforms(event));

    // Assess
    expect(ours.length).toBeGreaterThan(20);
    expect(problems).toEqual([]);
  });

  it('carried every event the documents describe, and nothing else but SES events (AWS publishes their schemas)', () => {
    // Prepare
    const documented = new Set([...documents.keys()]);

    // Act
    const carriedOurs = new Set(
      carried
        .filter((event) => event.source !== DEFAULT_EVENT_SOURCES.ses)
        .map((event) => `${kebabDetailType(event['detail-type'])}.json`),
    );
    const carriedSes = new Set(
      carried
        .filter((event) => event.source === DEFAULT_EVENT_SOURCES.ses)
        .map((event) => event['detail-type']),
    );

    // Assess
    expect(carriedOurs).toEqual(documented);
    expect(
      [...carriedSes].filter(
        (type) => type !== 'Email Sent' && !Object.values(SesDetailType).includes(type as never),
      ),
    ).toEqual([]);
  });

  it('refuses a tampered event: a changed field, an extra detail field (nested too), a foreign source, no detail, an unknown detail-type', () => {
    // Prepare
    const issued = carried.find((event) => event['detail-type'] === 'Delivery Otp Issued');
    if (!issued) throw new Error('no Delivery Otp Issued on the bus');
    const shipped = carried.find((event) => event['detail-type'] === 'Parcel Shipped');
    if (!shipped) throw new Error('no Parcel Shipped on the bus');

    // Act
    const original = conforms(issued);
    const badParcelId = conforms({ ...issued, detail: { ...issued.detail, parcelId: 'not a parcel id!' } });
    const extraField = conforms({ ...issued, detail: { ...issued.detail, code: '123456' } });
    const foreignSource = conforms({ ...issued, source: 'someone.else' });
    const noDetail = conforms({ ...issued, detail: undefined as never });
    const unknownType = conforms({ ...issued, 'detail-type': 'Delivery Otp Printed' });
    const nestedExtra = conforms({
      ...shipped,
      detail: { ...shipped.detail, recipient: { ...(shipped.detail.recipient as object), vip: true } },
    });

    // Assess
    expect(original).toEqual([]);
    expect(badParcelId).not.toEqual([]);
    expect(extraField).toEqual(['delivery-otp-issued.json: detail fields not in the document: detail.code']);
    expect(foreignSource).not.toEqual([]);
    expect(noDetail).not.toEqual([]);
    expect(nestedExtra).toEqual([
      'parcel-shipped.json: detail fields not in the document: detail.recipient.vip',
    ]);
    expect(unknownType).toEqual(['Delivery Otp Printed: no document docs/events/delivery-otp-printed.json']);
  });
});
