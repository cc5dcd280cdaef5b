import { describe, expect, it } from 'vitest';
import {
  cpuSlowdown,
  expressDurationMs,
  expressGbSeconds,
  LATENCY_MODEL,
  type LatencyModel,
  lambdaGbSeconds,
  modelInvocation,
  type ServiceCall,
  scaleLatencies,
  waitMs,
} from '../../bench/aws-model.ts';

const MODEL: LatencyModel = {
  services: {
    dynamodb: { ms: 10, basis: 'test' },
    kms: { ms: 20, basis: 'test' },
    ses: { ms: 60, basis: 'test' },
    events: { ms: 30, basis: 'test' },
  },
  taskInvokeOverhead: { ms: 20, basis: 'test' },
};

const call = (service: string, startMs: number, endMs: number): ServiceCall => ({
  service,
  operation: 'Op',
  startMs,
  endMs,
});

describe('cost model: Lambda durations', () => {
  it('scales CPU time by the share of a vCPU the memory buys, never below one vCPU', () => {
    // Prepare, Act
    const [small, oneVcpu, large] = [256, 1769, 3538].map(cpuSlowdown);

    // Assess
    expect(small).toBeCloseTo(1769 / 256, 6);
    expect(oneVcpu).toBe(1);
    expect(large).toBe(1);
  });

  it('adds the latencies of calls made one after another', () => {
    // Prepare
    const calls = [call('kms', 0, 5), call('dynamodb', 6, 9)];

    // Act
    const wait = waitMs(calls, MODEL);

    // Assess
    expect(wait).toBe(30);
  });

  it('counts calls that overlapped in the sandbox once, at the slowest of them', () => {
    // Prepare: a GetItem beside a GenerateMac (one Promise.all), then an SES send
    const calls = [call('dynamodb', 0, 8), call('kms', 2, 6), call('ses', 10, 12)];

    // Act
    const wait = waitMs(calls, MODEL);

    // Assess
    expect(wait).toBe(20 + 60);
  });

  it('refuses a call to a service it has no latency for, naming the service, instead of pricing it free', () => {
    // Prepare
    const calls = [call('sqs', 0, 1)];

    // Act, Assess
    expect(() => waitMs(calls, MODEL)).toThrow(/"sqs".*SERVICE_LATENCY_MS/);
  });

  it('bills scaled CPU plus waiting, rounded up to the next millisecond', () => {
    // Prepare: 2.5 ms of CPU here at 1,769 MB (no slowdown), one DynamoDB call
    const invocation = { functionId: 'Fn', memoryMb: 1769, cpuMs: 2.5, calls: [call('dynamodb', 0, 1)] };

    // Act
    const modelled = modelInvocation(invocation, MODEL);

    // Assess
    expect(modelled.scaledCpuMs).toBe(2.5);
    expect(modelled.waitMs).toBe(10);
    expect(modelled.billedMs).toBe(13);
  });

  it('prices GB-seconds from billed milliseconds and the function memory', () => {
    // Prepare
    const invocations = [
      modelInvocation({ functionId: 'A', memoryMb: 1024, cpuMs: 0, calls: [call('ses', 0, 1)] }, MODEL),
      modelInvocation({ functionId: 'B', memoryMb: 512, cpuMs: 0, calls: [call('kms', 0, 1)] }, MODEL),
    ];

    // Act
    const gbSeconds = lambdaGbSeconds(invocations);

    // Assess: 60 ms at 1 GB + 20 ms at 0.5 GB
    expect(gbSeconds).toBeCloseTo(0.06 + 0.01, 9);
  });
});

describe('cost model: Express executions', () => {
  it('lasts its Lambda tasks, each with the Invoke overhead, plus its PutEvents tasks', () => {
    // Prepare
    const tasks = [40, 120].map((billedMs) => ({
      functionId: 'Fn',
      memoryMb: 256,
      cpuMs: 0,
      scaledCpuMs: 0,
      waitMs: billedMs,
      billedMs,
    }));

    // Act
    const duration = expressDurationMs({ tasks, putEvents: 1 }, MODEL);

    // Assess
    expect(duration).toBe(40 + 20 + 120 + 20 + 30);
  });

  it('bills whole 100 ms steps at 64 MB, at least one', () => {
    // Prepare, Act
    const [none, oneStep, threeSteps] = [0, 100, 230].map(expressGbSeconds);

    // Assess
    expect(none).toBeCloseTo(0.1 * (64 / 1024), 12);
    expect(oneStep).toBeCloseTo(0.1 * (64 / 1024), 12);
    expect(threeSteps).toBeCloseTo(0.3 * (64 / 1024), 12);
  });
});

describe('cost model: latencies', () => {
  it('names a basis for every latency it uses', () => {
    // Prepare, Act
    const latencies = [...Object.values(LATENCY_MODEL.services), LATENCY_MODEL.taskInvokeOverhead];

    // Assess
    for (const latency of latencies) {
      expect(latency.ms).toBeGreaterThan(0);
      expect(latency.basis.length).toBeGreaterThan(20);
    }
  });

  it('doubles every latency, the task overhead included, for the sensitivity figure', () => {
    // Prepare, Act
    const doubled = scaleLatencies(MODEL, 2);

    // Assess
    expect(doubled.services.kms?.ms).toBe(40);
    expect(doubled.taskInvokeOverhead.ms).toBe(40);
    expect(waitMs([call('ses', 0, 1)], doubled)).toBe(120);
  });
});
