import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  busEventsFor,
  codeFromEmail,
  codeHashOf,
  executionsFor,
  type Harness,
  itemOf,
  num,
  outForDelivery,
  printFigure,
  putShipped,
  readyForHandover,
  recipientOf,
  shippedDetail,
  startHarness,
  verify,
  wrongCodeFor,
} from './support.ts';

let h: Harness;
const figures = {
  parcels: 0,
  emailsExpected: 0,
  emailsSent: 0,
  verifies: 0,
  sdkAttemptsBefore503: 0,
  dataLost: 0,
};

beforeAll(async () => {
  h = await startHarness();
});

afterEach(() => {
  h.sandbox.faults.ses.clear();
  h.sandbox.faults.dynamodb.clear();
});

afterAll(async () => {
  const { ses, dynamodb } = h?.sandbox.faults ?? {};
  await h?.stop();
  printFigure(
    `FIGURE faults: requests=${(ses?.stats.requests ?? 0) + (dynamodb?.stats.requests ?? 0)} ` +
      `sesRequests=${ses?.stats.requests ?? 0} sesFaultsInjected=${ses?.stats.faultsInjected ?? 0} ` +
      `dynamodbRequests=${dynamodb?.stats.requests ?? 0} dynamodbFaultsInjected=${dynamodb?.stats.faultsInjected ?? 0} ` +
      `parcels=${figures.parcels} emailsExpected=${figures.emailsExpected} emailsSent=${figures.emailsSent} ` +
      `verifies=${figures.verifies} sdkAttemptsBefore503=${figures.sdkAttemptsBefore503} dataLost=${figures.dataLost}`,
  );
});

/** Counts what was expected and what arrived, so the figures report real losses. */
async function tallyEmails(recipients: readonly string[], expectedEach: number): Promise<number[]> {
  const counts = await Promise.all(recipients.map(async (to) => (await h.client.emailsTo(to)).length));
  figures.emailsExpected += recipients.length * expectedEach;
  figures.emailsSent += counts.reduce((sum, count) => sum + count, 0);
  figures.dataLost += counts.filter((count) => count < expectedEach).length;
  return counts;
}

describe('faults', () => {
  it('sends every code email exactly once when SES throttles and answers 503 to the first six sends', async () => {
    // Prepare
    const details = ['FLT-SES-1', 'FLT-SES-2', 'FLT-SES-3', 'FLT-SES-4'].map((id) => shippedDetail(id));
    const ses = h.sandbox.faults.ses;
    const before = { ...ses.stats };
    // Six faults in all: even if one parcel drew every one, its seventh attempt (1 + 6 retries) gets through.
    ses.inject({ operation: 'SendEmail', status: 400, errorCode: 'Throttling', times: 3 });
    ses.inject({ operation: 'SendEmail', status: 503, errorCode: 'ServiceUnavailable', times: 3 });

    // Act
    await putShipped(h, details);
    await h.sandbox.settled();

    // Assess
    figures.parcels += details.length;
    const counts = await tallyEmails(details.map(recipientOf), 1);
    expect(ses.stats.faultsInjected - before.faultsInjected).toBe(6);
    expect(ses.stats.requests - before.requests).toBe(6 + details.length);
    expect(counts).toEqual([1, 1, 1, 1]);
    for (const detail of details) {
      const parcelId = detail.parcelId as string;
      const executions = await executionsFor(h, parcelId);
      expect(executions.map((execution) => execution.status)).toEqual(['SUCCEEDED']);
      expect((await itemOf(h, parcelId))?.emailStatus?.S).toBe('SENT');
      expect(await busEventsFor(h, 'Delivery Otp Issued', parcelId)).toHaveLength(1);
      expect(await busEventsFor(h, 'Delivery Otp Email Failed', parcelId)).toHaveLength(0);
    }
  });

  it('fails the run visibly when SES throttles every send: Email Failed on the bus, execution FAILED, code stored and no email half-claimed', async () => {
    // Prepare
    const parcelId = 'FLT-SES-DOWN-1';
    const detail = shippedDetail(parcelId);
    const ses = h.sandbox.faults.ses;
    const before = ses.stats.faultsInjected;
    ses.inject({
      operation: 'SendEmail',
      status: 400,
      errorCode: 'Throttling',
      times: Number.POSITIVE_INFINITY,
    });

    // Act
    await putShipped(h, [detail]);
    await h.sandbox.settled();
    ses.clear();

    // Assess
    figures.parcels += 1;
    expect(ses.stats.faultsInjected - before).toBe(7); // the first try and six retries
    expect(await busEventsFor(h, 'Delivery Otp Email Failed', parcelId)).toEqual([
      { parcelId, error: 'EmailThrottledError', reason: 'RETRIES_EXHAUSTED' },
    ]);
    expect(await busEventsFor(h, 'Delivery Otp Issued', parcelId)).toHaveLength(0);
    const executions = await executionsFor(h, parcelId);
    expect(executions.map((execution) => [execution.status, execution.error])).toEqual([
      ['FAILED', 'EmailFailed'],
    ]);
    const item = await itemOf(h, parcelId);
    expect(item?.status?.S).toBe('ISSUED');
    expect(item?.codeHash?.S).toMatch(/^[0-9a-f]{64}$/);
    expect(item?.codeCiphertext?.S).toBeTruthy();
    expect(item?.emailStatus).toBeUndefined();
    expect(item?.emailClaimedAt).toBeUndefined();
    expect(await h.client.emailsTo(recipientOf(detail))).toHaveLength(0);
  });

  it('fails the run at once, without retries, when SES rejects the message for good', async () => {
    // Prepare
    const parcelId = 'FLT-SES-REJECT-1';
    const detail = shippedDetail(parcelId);
    const ses = h.sandbox.faults.ses;
    const before = ses.stats.faultsInjected;
    ses.inject({
      operation: 'SendEmail',
      status: 400,
      errorCode: 'MessageRejected',
      times: Number.POSITIVE_INFINITY,
    });

    // Act
    await putShipped(h, [detail]);
    await h.sandbox.settled();
    ses.clear();

    // Assess
    figures.parcels += 1;
    expect(ses.stats.faultsInjected - before).toBe(1);
    expect(await busEventsFor(h, 'Delivery Otp Email Failed', parcelId)).toEqual([
      { parcelId, error: 'EmailRejectedError', reason: 'EMAIL_REJECTED' },
    ]);
    const executions = await executionsFor(h, parcelId);
    expect(executions.map((execution) => [execution.status, execution.error])).toEqual([
      ['FAILED', 'EmailFailed'],
    ]);
    const item = await itemOf(h, parcelId);
    expect(item?.status?.S).toBe('ISSUED');
    expect(item?.emailStatus).toBeUndefined();
  });

  it('answers 503 TRY_AGAIN with Retry-After when DynamoDB throttles verify past the SDK retries, counts nothing, and verifies the right code afterwards', async () => {
    // Prepare
    const parcelId = 'FLT-DDB-VERIFY-1';
    const { code, token } = await readyForHandover(h, parcelId, 'D-FLT-1');
    const dynamodb = h.sandbox.faults.dynamodb;
    const before = dynamodb.stats.faultsInjected;
    // More throttles than the SDK's attempts (4 by default for DynamoDB in this SDK); cleared after the call.
    dynamodb.inject({
      operation: 'DynamoDB_20120810.UpdateItem',
      status: 400,
      errorCode: 'ProvisionedThroughputExceededException',
      times: 10,
    });
    // The SDK's backoff jitter drawn at its minimum: the same retries, without waiting for them.
    const jitter = vi.spyOn(Math, 'random').mockReturnValue(0);

    // Act
    const throttled = await verify(h, parcelId, code, token).finally(() => jitter.mockRestore());
    dynamodb.clear();
    const afterThrottle = await itemOf(h, parcelId);
    const retried = await verify(h, parcelId, code, token);

    // Assess
    figures.parcels += 1;
    figures.verifies += 2;
    const sdkAttempts = dynamodb.stats.faultsInjected - before;
    figures.sdkAttemptsBefore503 = sdkAttempts;
    expect(sdkAttempts).toBeGreaterThanOrEqual(3);
    expect(sdkAttempts).toBeLessThan(10);
    expect(throttled.status).toBe(503);
    expect(throttled.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(throttled.json).toMatchObject({ code: 'TRY_AGAIN' });
    expect(num(afterThrottle?.wrongAttempts)).toBe(0);
    expect(afterThrottle?.status?.S).toBe('ISSUED');
    expect(retried.status).toBe(200);
    expect(retried.json).toMatchObject({ code: 'VERIFIED', parcelId });
  });

  it('sends the stored code exactly once when the send step died before emailing and Parcel Shipped is delivered again', async () => {
    // Prepare: every read of the send step fails (500 through all of the SDK's retries), so the run dies after
    // the code was issued and before anything was emailed.
    const parcelId = 'FLT-CRASH-1';
    const detail = shippedDetail(parcelId);
    const recipient = recipientOf(detail);
    const dynamodb = h.sandbox.faults.dynamodb;
    dynamodb.inject({
      operation: 'DynamoDB_20120810.GetItem',
      status: 500,
      errorCode: 'InternalServerError',
      times: Number.POSITIVE_INFINITY,
    });
    await putShipped(h, [detail]);
    await h.sandbox.settled();
    dynamodb.clear();
    const crashed = await itemOf(h, parcelId);
    const crashedRuns = await executionsFor(h, parcelId);
    const emailsAfterCrash = (await h.client.emailsTo(recipient)).length;

    // Act
    await putShipped(h, [detail]);
    await h.sandbox.settled();

    // Assess
    figures.parcels += 1;
    expect(crashedRuns.map((execution) => [execution.status, execution.error])).toEqual([
      ['FAILED', 'EmailFailed'],
    ]);
    expect(emailsAfterCrash).toBe(0);
    expect(crashed?.status?.S).toBe('ISSUED');
    expect(crashed?.emailStatus).toBeUndefined();
    const [emailCount] = await tallyEmails([recipient], 1);
    expect(emailCount).toBe(1);
    const item = await itemOf(h, parcelId);
    expect(item?.status?.S).toBe('ISSUED');
    expect(item?.emailStatus?.S).toBe('SENT');
    expect(item?.issueId?.S).toBe(crashed?.issueId?.S);
    // The emailed code is the one stored at the first issue, not a fresh one.
    const code = codeFromEmail((await h.client.emailsTo(recipient))[0]?.text ?? '') ?? '';
    expect(await codeHashOf(h, parcelId, code)).toBe(item?.codeHash?.S);
    const runs = await executionsFor(h, parcelId);
    expect(runs.map((execution) => execution.status).sort()).toEqual(['FAILED', 'SUCCEEDED']);
    expect(await busEventsFor(h, 'Delivery Otp Issued', parcelId)).toHaveLength(1);
    // And the code still works at the door.
    await outForDelivery(h, parcelId, 'D-FLT-2');
    const handover = await verify(h, parcelId, code, await h.client.driverToken('D-FLT-2'));
    figures.verifies += 1;
    expect(handover.status).toBe(200);
  });

  it('answers a wrong code with 422 or 503 TRY_AGAIN, never a bare 500, when each of its two writes is throttled three times at the longest SDK backoff', async () => {
    // Prepare: a wrong code costs two conditional UpdateItems. Each is throttled three times and gets through on
    // the SDK's fourth attempt; the jitter is pinned near its maximum (0.99 s + 1.98 s + 3.96 s per write).
    const parcelId = 'FLT-DDB-SLOW-1';
    const { code, token } = await readyForHandover(h, parcelId, 'D-FLT-3');
    const dynamodb = h.sandbox.faults.dynamodb;
    const throttle = {
      operation: 'DynamoDB_20120810.UpdateItem',
      status: 400,
      errorCode: 'ProvisionedThroughputExceededException',
      times: 3,
    };
    const base = { ...dynamodb.stats };
    dynamodb.inject(throttle);
    const jitter = vi.spyOn(Math, 'random').mockReturnValue(0.99);

    // Act
    let answered = false;
    const pending = verify(h, parcelId, wrongCodeFor(code), token).finally(() => {
      answered = true;
    });
    // The second write's throttles go in once the first write got through on its fourth attempt.
    while (
      !answered &&
      (dynamodb.stats.faultsInjected < base.faultsInjected + 3 || dynamodb.stats.requests < base.requests + 4)
    ) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    dynamodb.inject(throttle);
    const answer = await pending.finally(() => jitter.mockRestore());

    // Assess
    figures.parcels += 1;
    figures.verifies += 1;
    expect(dynamodb.stats.faultsInjected - base.faultsInjected).toBeGreaterThan(0);
    expect([422, 503], `${answer.status} ${answer.text}`).toContain(answer.status);
    expect(['WRONG_CODE', 'TRY_AGAIN']).toContain(answer.json?.code);
  }, 30_000);
});
