import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  busEventsFor,
  byStatus,
  executionsFor,
  type Harness,
  itemOf,
  num,
  printFigure,
  putShipped,
  readyForHandover,
  recipientOf,
  shippedDetail,
  startHarness,
  verify,
  wrongCodeFor,
} from './support.ts';

const CONCURRENT = 50;
const MAX_WRONG = 5;

let h: Harness;
const figures = {
  requests: 0,
  verified: 0,
  conflicts: 0,
  wrongCounted: 0,
  locked: 0,
  deliveries: 0,
  dataLost: 0,
};

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.stop();
  printFigure(
    `FIGURE races: requests=${figures.requests} verified=${figures.verified} conflicts=${figures.conflicts} ` +
      `wrongCounted=${figures.wrongCounted} locked=${figures.locked} duplicateDeliveries=${figures.deliveries} ` +
      `dataLost=${figures.dataLost}`,
  );
});

describe('races', () => {
  it('accepts the right code exactly once when the assigned driver sends it 50 times at once; the rest get 409', async () => {
    // Prepare
    const parcelId = 'RACE-RIGHT-1';
    const { code, token } = await readyForHandover(h, parcelId, 'D-RACE-1');

    // Act
    const answers = await Promise.all(
      Array.from({ length: CONCURRENT }, () => verify(h, parcelId, code, token)),
    );
    await h.sandbox.settled();

    // Assess
    figures.requests += answers.length;
    const counts = byStatus(answers);
    figures.verified += counts[200] ?? 0;
    figures.conflicts += counts[409] ?? 0;
    expect(counts).toEqual({ 200: 1, 409: CONCURRENT - 1 });
    expect(answers.filter((a) => a.status === 409).every((a) => a.json?.code === 'ALREADY_VERIFIED')).toBe(
      true,
    );
    const item = await itemOf(h, parcelId);
    expect(item?.status?.S).toBe('VERIFIED');
    expect(item?.verifiedBy?.S).toBe('D-RACE-1');
    expect(await busEventsFor(h, 'Parcel Handover Verified', parcelId)).toHaveLength(1);
  });

  it('counts exactly five of 50 concurrent wrong codes, answers only 422 or 423, and then refuses the right code with 423', async () => {
    // Prepare
    const parcelId = 'RACE-WRONG-1';
    const { code, token } = await readyForHandover(h, parcelId, 'D-RACE-2');

    // Act
    const answers = await Promise.all(
      Array.from({ length: CONCURRENT }, (_, index) =>
        verify(h, parcelId, wrongCodeFor(code, index + 1), token),
      ),
    );
    const item = await itemOf(h, parcelId);
    const right = await verify(h, parcelId, code, token);

    // Assess
    figures.requests += answers.length + 1;
    const counts = byStatus(answers);
    figures.wrongCounted += num(item?.wrongAttempts) ?? 0;
    figures.locked += counts[423] ?? 0;
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    expect((counts[422] ?? 0) + (counts[423] ?? 0)).toBe(CONCURRENT);
    expect(counts[422] ?? 0).toBeLessThanOrEqual(MAX_WRONG - 1);
    // Each counted wrong code reports its own remaining tries: no two 422s claim the same count.
    const remaining = answers.filter((a) => a.status === 422).map((a) => a.json?.attemptsRemaining);
    expect(new Set(remaining).size).toBe(remaining.length);
    expect(remaining.every((left) => typeof left === 'number' && left >= 1 && left <= MAX_WRONG - 1)).toBe(
      true,
    );
    expect(answers.filter((a) => a.status === 423).every((a) => a.json?.code === 'LOCKED')).toBe(true);
    expect(num(item?.wrongAttempts)).toBe(MAX_WRONG);
    expect(num(item?.totalWrongAttempts)).toBe(MAX_WRONG);
    expect(item?.status?.S).toBe('ISSUED');
    expect(right.status).toBe(423);
    expect(right.json).toMatchObject({ code: 'LOCKED', attemptsRemaining: 0 });
  });

  it('issues one code, sends one email and emits one Delivery Otp Issued when the same Parcel Shipped arrives 10 times, concurrently and in one batch', async () => {
    // Prepare
    const parcelId = 'RACE-DUP-1';
    const detail = shippedDetail(parcelId);
    const singles = 7;
    const batched = 3;

    // Act
    const results = await Promise.all([
      ...Array.from({ length: singles }, () => putShipped(h, [detail])),
      putShipped(
        h,
        Array.from({ length: batched }, () => detail),
      ),
    ]);
    await h.sandbox.settled();

    // Assess
    figures.requests += results.length;
    figures.deliveries += singles + batched;
    const accepted = results.flat();
    expect(accepted.filter((entry) => entry.eventId)).toHaveLength(singles + batched);
    const emails = await h.client.emailsTo(recipientOf(detail));
    const item = await itemOf(h, parcelId);
    figures.dataLost += (emails.length === 0 ? 1 : 0) + (item ? 0 : 1);
    expect(emails).toHaveLength(1);
    expect(item?.status?.S).toBe('ISSUED');
    expect(item?.emailStatus?.S).toBe('SENT');
    const executions = await executionsFor(h, parcelId);
    expect(executions).toHaveLength(singles + batched);
    expect(executions.every((execution) => execution.status === 'SUCCEEDED')).toBe(true);
    const outputs = executions.map(
      (execution) =>
        JSON.parse(execution.output ?? '{}') as {
          issue?: { issueId: string; created: boolean };
          send?: { emailSent: boolean };
        },
    );
    // Every run saw the one stored issue; exactly one run created it and exactly one run sent its email.
    expect(new Set(outputs.map((output) => output.issue?.issueId))).toEqual(new Set([item?.issueId?.S]));
    expect(outputs.filter((output) => output.issue?.created === true)).toHaveLength(1);
    expect(outputs.filter((output) => output.send?.emailSent === true)).toHaveLength(1);
    expect(await busEventsFor(h, 'Delivery Otp Issued', parcelId)).toHaveLength(1);
  });
});
