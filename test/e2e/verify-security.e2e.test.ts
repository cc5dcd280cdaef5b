import { beforeAll, describe, expect, it } from 'vitest';
import { routePath, VERIFY_PATH } from '../../lambdas/contracts/http/paths.ts';
import { useSandbox, wrongCodeFor } from './harness.ts';

const e2e = useSandbox();

/** Headers that differ per response whatever the answer: when it was sent, and its request id. */
const PER_RESPONSE = new Set(['date', 'apigw-requestid']);

/** The whole HTTP answer a driver's handheld sees, minus the per-response headers. */
async function verifyAs(token: string, parcelId: string, code: string) {
  const response = await fetch(`${e2e.sandbox.endpoints.apiUrl}${routePath(VERIFY_PATH, { parcelId })}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ code }),
  });
  const headers = Object.fromEntries([...response.headers].filter(([name]) => !PER_RESPONSE.has(name)));
  return { status: response.status, headers, body: await response.text() };
}

describe('verify: another driver learns nothing about a parcel', () => {
  let code: string;
  let otherDriver: string;

  beforeAll(async () => {
    // A high-value parcel with a code, out with D-NA-1; a low-value one whose Out For Delivery left a
    // placeholder bound to D-NA-1; and a parcel id nobody ever shipped.
    ({ code } = await e2e.readyForHandover('NA-HIGH-1', 'D-NA-1'));
    await e2e.ship('NA-LOW-1', { declaredValue: { amount: 1999, currency: 'EUR' } });
    const deliveryDate = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await e2e.publish('Parcel Out For Delivery', { parcelId: 'NA-LOW-1', driverId: 'D-NA-1', deliveryDate });
    otherDriver = await e2e.client.driverToken('D-NA-2');
  }, 60_000);

  it('answers an unassigned driver identically (status, body, headers) for a parcel with a code, one without, and an unknown one', async () => {
    // Act
    const withCode = await verifyAs(otherDriver, 'NA-HIGH-1', code);
    const withoutCode = await verifyAs(otherDriver, 'NA-LOW-1', code);
    const unknown = await verifyAs(otherDriver, 'NA-NEVER-SHIPPED-1', code);

    // Assess
    expect(withCode.status).toBe(403);
    expect(JSON.parse(withCode.body)).toEqual({
      code: 'NOT_ASSIGNED',
      message: 'This parcel is not out for delivery with you',
    });
    expect(withoutCode).toEqual(withCode);
    expect(unknown).toEqual(withCode);
  });

  it('tells the driver a codeless parcel is bound to that it has no code, and lets the assigned driver verify', async () => {
    // Prepare
    const assigned = await e2e.client.driverToken('D-NA-1');

    // Act
    const noCode = await verifyAs(assigned, 'NA-LOW-1', code);
    const handover = await verifyAs(assigned, 'NA-HIGH-1', code);

    // Assess
    expect(noCode.status).toBe(404);
    expect(JSON.parse(noCode.body)).toEqual({ code: 'NOT_FOUND', message: 'No code exists for this parcel' });
    expect(handover.status).toBe(200);
  });

  it('leaves the parcel untouched by the unassigned driver: no attempt counted', async () => {
    // Act
    const item = await e2e.item('NA-HIGH-1');

    // Assess
    expect(item?.wrongAttempts?.N).toBe('0');
  });
});

describe('verify: the code hash key never leaves KMS', () => {
  it('stores the hash KMS GenerateMac gives under the template key, asking KMS once per verify', async () => {
    // Prepare
    const { code, token } = await e2e.readyForHandover('KMS-HASH-1', 'D-KMS-1');
    const macsBefore = e2e.sandbox.faults.kms.stats.byOperation['TrentService.GenerateMac'] ?? 0;

    // Act
    const stored = (await e2e.item('KMS-HASH-1'))?.codeHash?.S;
    const expected = await e2e.codeHashOf('KMS-HASH-1', code);
    const handover = await e2e.client.verify('KMS-HASH-1', { code }, token);
    await e2e.sandbox.settled();

    // Assess
    expect(stored).toBe(expected);
    expect(handover.status).toBe(200);
    expect((e2e.sandbox.faults.kms.stats.byOperation['TrentService.GenerateMac'] ?? 0) - macsBefore).toBe(1);
  });

  it('answers 503 TRY_AGAIN with Retry-After when KMS throttles, and counts nothing against the code', async () => {
    // Prepare
    const { code, token } = await e2e.readyForHandover('KMS-THROTTLE-1', 'D-KMS-2');
    e2e.sandbox.faults.kms.inject({
      operation: 'TrentService.GenerateMac',
      status: 400,
      errorCode: 'ThrottlingException',
      times: Number.POSITIVE_INFINITY,
    });

    // Act
    const throttled = await verifyAs(token, 'KMS-THROTTLE-1', wrongCodeFor(code));
    e2e.sandbox.faults.kms.clear();
    const item = await e2e.item('KMS-THROTTLE-1');
    const afterwards = await verifyAs(token, 'KMS-THROTTLE-1', code);

    // Assess
    expect(throttled.status).toBe(503);
    expect(throttled.headers['retry-after']).toBe('1');
    expect(JSON.parse(throttled.body)).toMatchObject({ code: 'TRY_AGAIN' });
    expect(item?.wrongAttempts?.N).toBe('0');
    expect(afterwards.status).toBe(200);
  });
});
