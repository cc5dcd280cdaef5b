import { describe, expect, it } from 'vitest';
import { LATENCY_MODEL, modelInvocation } from '../../bench/aws-model.ts';
import {
  lambdaLogsUsdPerParcel,
  modelDurations,
  PLATFORM_LOG_BYTES_PER_INVOCATION,
  price,
  type UsageSnapshot,
} from '../../bench/cost.ts';
import { PRICING } from '../../bench/pricing.ts';

const empty: UsageSnapshot = {
  events: 0,
  emails: 0,
  dynamodb: {},
  kmsRequests: 0,
  lambda: {},
  expressExecutions: 0,
  expressGbSeconds: 0,
  streamRecords: 0,
  pipeRequests: 0,
};

/** One parcel's run in the sandbox: one 256 MB invocation that took 8 s of sandbox wall time. */
const after: UsageSnapshot = {
  ...empty,
  lambda: { Fn: { invocations: 1, durationMs: 8_000, memoryMb: 256 } },
  expressExecutions: 1,
  expressGbSeconds: 2.5 * (64 / 1024),
};

const lineOf = (lines: ReturnType<typeof price>, startsWith: string) =>
  lines.find((line) => line.item.startsWith(startsWith));

describe('price', () => {
  it('prices Lambda and Express from the modelled durations when given, and says so', () => {
    // Prepare
    const modelled = { lambdaGbSeconds: 0.05, expressGbSeconds: 0.1 * (64 / 1024) };

    // Act
    const lines = price(empty, after, 1, 1, 600, modelled);

    // Assess
    expect(lineOf(lines, 'Lambda GB-s')?.item).toContain('modelled for AWS');
    expect(lineOf(lines, 'Lambda GB-s')?.usdPerParcel).toBeCloseTo(0.05 * PRICING.lambdaArmPerGbSecond, 12);
    expect(lineOf(lines, 'Express GB-s')?.perParcel).toBeCloseTo(0.1 * (64 / 1024), 12);
  });

  it("falls back to the sandbox's wall time, labelled as such", () => {
    // Prepare, Act
    const lines = price(empty, after, 1, 1, 600);

    // Assess
    expect(lineOf(lines, 'Lambda GB-s')?.item).toContain('sandbox wall time');
    expect(lineOf(lines, 'Lambda GB-s')?.perParcel).toBeCloseTo(8 * 0.25, 12);
  });
});

describe('modelDurations', () => {
  const task = {
    functionId: 'Issue',
    memoryMb: 1769,
    cpuMs: 4,
    calls: [{ service: 'dynamodb', operation: 'UpdateItem', startMs: 0, endMs: 1 }],
  };
  const ruleTarget = { functionId: 'Assign', memoryMb: 1769, cpuMs: 1, calls: [] };

  it("bills an Express execution for its own tasks' modelled durations, not for other invocations", () => {
    // Prepare
    const executions = [{ express: true, tasks: [task], putEvents: 1 }];

    // Act
    const model = modelDurations([task, ruleTarget], executions, LATENCY_MODEL);

    // Assess: 4 ms CPU + 10 ms DynamoDB = 14 ms, + Invoke overhead + one PutEvents
    const expected =
      modelInvocation(task, LATENCY_MODEL).billedMs +
      LATENCY_MODEL.taskInvokeOverhead.ms +
      (LATENCY_MODEL.services.events?.ms ?? Number.NaN);
    expect(model.expressMs).toEqual([expected]);
    expect(model.lambdaSeconds).toBeCloseTo((14 + 1) / 1000, 9);
  });

  it('leaves Standard executions out of the Express GB-seconds', () => {
    // Prepare
    const executions = [{ express: false, tasks: [task], putEvents: 0 }];

    // Act
    const model = modelDurations([task], executions, LATENCY_MODEL);

    // Assess
    expect(model.durations.expressGbSeconds).toBe(0);
  });
});

describe('lambdaLogsUsdPerParcel', () => {
  it("prices the handlers' log bytes and Lambda's platform records per invocation at the ingestion rate", () => {
    // Prepare, Act
    const usd = lambdaLogsUsdPerParcel(3_000, 7);

    // Assess
    const bytes = 3_000 + 7 * PLATFORM_LOG_BYTES_PER_INVOCATION;
    expect(usd).toBeCloseTo((bytes / 1e9) * PRICING.cloudWatchLogsIngestionPerGb, 15);
  });
});
