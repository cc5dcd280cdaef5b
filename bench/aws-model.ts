/**
 * The model that turns what a handler did in the sandbox into what AWS would bill for it: its own CPU
 * time, scaled to the share of a vCPU its memory buys, plus a documented or stated latency per AWS call
 * it made. The sandbox's wall time (every emulator and every other handler sharing two cores) is not used.
 */
import { EXPRESS_MEMORY_GB } from './pricing.ts';

/** One AWS latency the model adds, with why that figure. */
export interface Latency {
  readonly ms: number;
  readonly basis: string;
}

/** The latencies the model adds: per AWS call by SigV4 service name, and per Step Functions Lambda task. */
export interface LatencyModel {
  readonly services: Readonly<Record<string, Latency>>;
  readonly taskInvokeOverhead: Latency;
}

/**
 * Round-trip latency of one AWS API call from a Lambda function in the same Region, by SigV4 service
 * name. Only DynamoDB publishes a figure; the others are assumptions, stated as such with their basis
 * (docs/cost.md shows what doubling all of them does).
 */
const SERVICE_LATENCY_MS: Readonly<Record<string, Latency>> = {
  dynamodb: {
    ms: 10,
    basis:
      'DynamoDB "delivers single-digit millisecond performance at any scale" (aws.amazon.com/dynamodb, Developer Guide "What is Amazon DynamoDB?"); 10 ms is the upper end, network hop included',
  },
  kms: {
    ms: 20,
    basis: 'assumption: AWS publishes no KMS latency; twice the DynamoDB bound for an HSM-backed GenerateMac',
  },
  ses: {
    ms: 60,
    basis:
      'assumption: AWS publishes no SES API latency; SendEmail only accepts the message for delivery (what happens after is not billed to the function)',
  },
  events: {
    ms: 30,
    basis: 'assumption: AWS publishes no PutEvents latency; three times the DynamoDB bound',
  },
  secretsmanager: {
    ms: 30,
    basis: 'assumption: AWS publishes no GetSecretValue latency; handlers cache the secret, so this is rare',
  },
  'sms-voice': {
    ms: 100,
    basis: 'assumption: AWS publishes no SendTextMessage latency; only on the SMS fallback',
  },
};

/** The model the bench prices with. */
export const LATENCY_MODEL: LatencyModel = {
  services: SERVICE_LATENCY_MS,
  /** Time Step Functions spends calling one Lambda task, around the function's own duration. */
  taskInvokeOverhead: {
    ms: 20,
    basis: 'assumption: AWS publishes no Step Functions task overhead; one Lambda Invoke round trip',
  },
};

/** Every latency of `model` multiplied by `factor` (the sensitivity figure). */
export function scaleLatencies(model: LatencyModel, factor: number): LatencyModel {
  const scale = (latency: Latency): Latency => ({
    ms: latency.ms * factor,
    basis: `${factor} x (${latency.basis})`,
  });
  return {
    services: Object.fromEntries(
      Object.entries(model.services).map(([name, latency]) => [name, scale(latency)]),
    ),
    taskInvokeOverhead: scale(model.taskInvokeOverhead),
  };
}

/**
 * Lambda gives a function CPU in proportion to its memory: "At 1,769 MB, a function has the equivalent
 * of one vCPU" (docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html).
 */
export const ONE_VCPU_MEMORY_MB = 1769;

/** How many times longer CPU work takes at `memoryMb` than on one whole vCPU (1 at 1,769 MB and above). */
export const cpuSlowdown = (memoryMb: number): number => Math.max(1, ONE_VCPU_MEMORY_MB / memoryMb);

/** One AWS call a handler made, by SigV4 service name, with when it ran in the sandbox (to see overlap). */
export interface ServiceCall {
  readonly service: string;
  readonly operation: string;
  readonly startMs: number;
  readonly endMs: number;
}

/** What one invocation did, as measured in the sandbox. */
export interface MeasuredInvocation {
  readonly functionId: string;
  readonly memoryMb: number;
  /** The handler's own CPU time on this machine (its synchronous slices, measurement overhead removed). */
  readonly cpuMs: number;
  readonly calls: readonly ServiceCall[];
}

/** An invocation as AWS would run and bill it. */
export interface ModelledInvocation {
  readonly functionId: string;
  readonly memoryMb: number;
  readonly cpuMs: number;
  /** CPU time at the function's share of a vCPU. */
  readonly scaledCpuMs: number;
  /** Time waiting on AWS calls; calls that overlapped in the sandbox overlap here too. */
  readonly waitMs: number;
  /** Billed duration: Lambda rounds up to the next millisecond. */
  readonly billedMs: number;
}

/** The latency of `service`; throws for a service the model has no figure for, so none is priced as free. */
export function serviceLatency(service: string, model: LatencyModel = LATENCY_MODEL): number {
  const latency = model.services[service];
  if (!latency)
    throw new Error(
      `No latency for AWS service "${service}": add it to SERVICE_LATENCY_MS (bench/aws-model.ts) with its source`,
    );
  return latency.ms;
}

/**
 * Time a function waits on its calls: calls whose sandbox intervals overlap ran concurrently (one
 * `Promise.all`), so a group of overlapping calls costs its slowest member; groups add up.
 */
export function waitMs(calls: readonly ServiceCall[], model: LatencyModel = LATENCY_MODEL): number {
  const sorted = [...calls].sort((a, b) => a.startMs - b.startMs);
  let total = 0;
  let groupEnd = Number.NEGATIVE_INFINITY;
  let groupMax = 0;
  for (const call of sorted) {
    const latency = serviceLatency(call.service, model);
    if (call.startMs < groupEnd) {
      groupMax = Math.max(groupMax, latency);
      groupEnd = Math.max(groupEnd, call.endMs);
      continue;
    }
    total += groupMax;
    groupMax = latency;
    groupEnd = call.endMs;
  }
  return total + groupMax;
}

/** The invocation's duration on AWS: scaled CPU time plus waiting, rounded up to the billed millisecond. */
export function modelInvocation(
  invocation: MeasuredInvocation,
  model: LatencyModel = LATENCY_MODEL,
): ModelledInvocation {
  const scaledCpuMs = invocation.cpuMs * cpuSlowdown(invocation.memoryMb);
  const wait = waitMs(invocation.calls, model);
  return {
    functionId: invocation.functionId,
    memoryMb: invocation.memoryMb,
    cpuMs: invocation.cpuMs,
    scaledCpuMs,
    waitMs: wait,
    billedMs: Math.max(1, Math.ceil(scaledCpuMs + wait)),
  };
}

/** Billed GB-seconds of modelled invocations. */
export const lambdaGbSeconds = (invocations: readonly ModelledInvocation[]): number =>
  invocations.reduce(
    (sum, invocation) => sum + (invocation.billedMs / 1000) * (invocation.memoryMb / 1024),
    0,
  );

/** What one Express execution did: the Lambda tasks it ran (modelled) and its `events:putEvents` tasks. */
export interface MeasuredExecution {
  readonly tasks: readonly ModelledInvocation[];
  readonly putEvents: number;
}

/**
 * An Express execution's duration on AWS: its states run one after another, so it lasts the sum of its
 * Lambda tasks (each plus the Invoke overhead) and its PutEvents integrations; Pass and Choice states
 * are evaluated inside the service and add nothing measurable.
 */
export function expressDurationMs(execution: MeasuredExecution, model: LatencyModel = LATENCY_MODEL): number {
  const tasks = execution.tasks.reduce((sum, task) => sum + task.billedMs + model.taskInvokeOverhead.ms, 0);
  return tasks + execution.putEvents * serviceLatency('events', model);
}

/** Express bills duration in 100 ms steps (at least one) at 64 MB per execution. */
export const expressGbSeconds = (durationMs: number): number =>
  Math.max(1, Math.ceil(durationMs / 100)) * 0.1 * EXPRESS_MEMORY_GB;
