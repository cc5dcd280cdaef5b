import { describe, expect, it } from 'vitest';
import { DEFAULT_EVENT_SOURCES, EVENTS } from '../../lambdas/domain/events/index.ts';
import { useSandbox } from './harness.ts';

const e2e = useSandbox();

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

describe('events on the bus against the event contract', () => {
  it('emits, from the workflows and the handover pipe, only events whose detail passes its schema', async () => {
    // Prepare: a flow through every emit step that needs no failure: issued, not required, reissued,
    // revoked, and a verified handover
    const { code, token } = await e2e.readyForHandover('EC-HANDOVER-1', 'D-3');
    await e2e.client.verify('EC-HANDOVER-1', { code }, token);
    await e2e.ship('EC-LOW-1', { declaredValue: { amount: 100, currency: 'EUR' } });
    await e2e.ship('EC-REISSUE-1');
    await e2e.publish('Delivery Attempt Failed', {
      parcelId: 'EC-REISSUE-1',
      driverId: 'D-3',
      reason: 'NOBODY_HOME',
      nextAttemptDate: inDays(2),
    });
    await e2e.ship('EC-REVOKE-1');
    await e2e.publish('Delivery Attempt Failed', {
      parcelId: 'EC-REVOKE-1',
      driverId: 'D-3',
      reason: 'REFUSED',
    });
    await e2e.sandbox.settled();

    // Act
    const emitted = (await e2e.client.busEvents()).filter(
      (event) => event.source === DEFAULT_EVENT_SOURCES.product,
    );
    const verdicts = emitted.map((event) => {
      const definition = EVENTS.find(
        (candidate) => candidate.detailType === event['detail-type'] && candidate.publisher === 'product',
      );
      const parsed = definition?.schema.safeParse(event.detail);
      return {
        detailType: event['detail-type'],
        inContract: definition !== undefined,
        valid: parsed?.success ?? false,
        // The parsed detail must be the whole detail: no field the schema does not know.
        complete:
          parsed?.success === true &&
          Object.keys(event.detail).every((field) => field in (parsed.data as Record<string, unknown>)),
      };
    });

    // Assess
    expect(new Set(verdicts.map(({ detailType }) => detailType))).toEqual(
      new Set([
        'Delivery Otp Issued',
        'Delivery Otp Not Required',
        'Delivery Otp Reissued',
        'Delivery Otp Revoked',
        'Parcel Handover Verified',
      ]),
    );
    expect(verdicts.filter(({ inContract, valid, complete }) => !(inContract && valid && complete))).toEqual(
      [],
    );
  });
});
