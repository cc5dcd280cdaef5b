import type { SandboxClient } from '../sandbox/app/client.ts';
import type { Sandbox } from '../sandbox/app/sandbox.ts';
import {
  expressDurationMs,
  expressGbSeconds,
  LATENCY_MODEL,
  type LatencyModel,
  lambdaGbSeconds,
  type MeasuredInvocation,
  type ModelledInvocation,
  modelInvocation,
  scaleLatencies,
} from './aws-model.ts';
import { prepareParcels } from './flow.ts';
import { itemBytes } from './item-size.ts';
import { LambdaMeter } from './lambda-meter.ts';
import { EXPRESS_MEMORY_GB, PRICING } from './pricing.ts';

/** What the sandbox counted over a run, all of it billable. */
export interface UsageSnapshot {
  readonly events: number;
  readonly emails: number;
  readonly dynamodb: Record<string, number>;
  /** KMS requests the handlers made (GenerateMac to hash codes). */
  readonly kmsRequests: number;
  readonly lambda: Record<string, { invocations: number; durationMs: number; memoryMb: number }>;
  readonly expressExecutions: number;
  /** Billed Express GB-seconds (100 ms steps at 64 MB). */
  readonly expressGbSeconds: number;
  /** Records written to the table streams (what a pipe's GetRecords calls read). */
  readonly streamRecords: number;
  /** Records that passed a pipe's filter (Pipes' billed requests). */
  readonly pipeRequests: number;
}

/** Reads the sandbox's counters. */
export function snapshot(sandbox: Sandbox): UsageSnapshot {
  const executions = [...sandbox.stepFunctions.executions.values()];
  return {
    // AWS services' own events (SES's on the default bus) are free: only custom events are billed.
    events: sandbox.bus.events.filter((event) => !event.source.startsWith('aws.')).length,
    emails: sandbox.faults.ses.stats.byOperation.SendEmail ?? 0,
    dynamodb: { ...sandbox.faults.dynamodb.stats.byOperation },
    kmsRequests: sandbox.faults.kms.stats.requests,
    lambda: Object.fromEntries([...sandbox.functions.stats].map(([id, stat]) => [id, { ...stat }])),
    expressExecutions: executions.length,
    expressGbSeconds: executions.reduce((sum, execution) => {
      const ms = (execution.stopDate ?? new Date()).getTime() - execution.startDate.getTime();
      return sum + Math.max(1, Math.ceil(ms / 100)) * 0.1 * EXPRESS_MEMORY_GB;
    }, 0),
    streamRecords: sandbox.streams.streamArns.reduce(
      (sum, arn) => sum + sandbox.streams.records(arn).length,
      0,
    ),
    pipeRequests: sandbox.pipes.stats.requests,
  };
}

/** A cost line: what, how many per parcel, dollars per parcel. */
export interface CostLine {
  readonly item: string;
  readonly perParcel: number;
  readonly usdPerParcel: number;
}

const WRITES = ['PutItem', 'UpdateItem', 'DeleteItem'];
const READS = ['GetItem', 'Query', 'Scan'];

/** DynamoDB requests of the `names` operations between two snapshots. */
function dynamodbRequests(before: UsageSnapshot, after: UsageSnapshot, names: readonly string[]): number {
  return Object.entries(after.dynamodb)
    .filter(([operation]) => names.some((name) => operation.endsWith(`.${name}`)))
    .reduce((sum, [operation, count]) => sum + count - (before.dynamodb[operation] ?? 0), 0);
}

/** Billed durations modelled for AWS over the same run (`modelDurations`), instead of the sandbox's wall time. */
export interface ModelledDurations {
  readonly lambdaGbSeconds: number;
  readonly expressGbSeconds: number;
}

/**
 * Prices the difference between two snapshots per parcel. Lambda and Express durations are `modelled`
 * when given (the cost model), else the sandbox's wall time (labelled so in the line names).
 */
export function price(
  before: UsageSnapshot,
  after: UsageSnapshot,
  parcels: number,
  httpRequests: number,
  itemBytes: number,
  modelled?: ModelledDurations,
): CostLine[] {
  const writeUnits = dynamodbRequests(before, after, WRITES) * Math.ceil(itemBytes / 1024);
  const readUnits = dynamodbRequests(before, after, READS) * Math.ceil(itemBytes / 4096);
  let invocations = 0;
  let wallGbSeconds = 0;
  for (const [id, stat] of Object.entries(after.lambda)) {
    const earlier = before.lambda[id] ?? { invocations: 0, durationMs: 0 };
    invocations += stat.invocations - earlier.invocations;
    wallGbSeconds += ((stat.durationMs - earlier.durationMs) / 1000) * (stat.memoryMb / 1024);
  }
  const executions = after.expressExecutions - before.expressExecutions;
  const gbSeconds = modelled?.lambdaGbSeconds ?? wallGbSeconds;
  const expressGbSeconds = modelled?.expressGbSeconds ?? after.expressGbSeconds - before.expressGbSeconds;
  const durations = modelled ? 'modelled for AWS' : 'sandbox wall time';
  const emails = after.emails - before.emails;
  const kmsRequests = after.kmsRequests - before.kmsRequests;
  const events = after.events - before.events;
  // Upper bound: one GetRecords per record. A pipe reads up to 1,000 records per call, so under load
  // this is far less; at low volume its idle polling dominates, a flat cost per shard, not per parcel.
  const streamReads = after.streamRecords - before.streamRecords;
  const pipeRequests = after.pipeRequests - before.pipeRequests;
  const line = (item: string, total: number, unitPrice: number): CostLine => ({
    item,
    perParcel: total / parcels,
    usdPerParcel: (total / parcels) * unitPrice,
  });
  return [
    line('SES emails', emails, PRICING.sesPerEmail),
    line('EventBridge events', events, PRICING.eventBridgePerCustomEvent),
    line('DynamoDB write units', writeUnits, PRICING.dynamodbPerWriteUnit),
    line('DynamoDB read units', readUnits, PRICING.dynamodbPerReadUnit),
    line('KMS requests', kmsRequests, PRICING.kmsPerRequest),
    line('Lambda requests', invocations, PRICING.lambdaPerRequest),
    line(`Lambda GB-s (arm64, ${durations})`, gbSeconds, PRICING.lambdaArmPerGbSecond),
    line('Express requests', executions, PRICING.stepFunctionsExpressPerRequest),
    line(`Express GB-s (${durations})`, expressGbSeconds, PRICING.stepFunctionsExpressPerGbSecond),
    line('HTTP API requests', httpRequests, PRICING.httpApiPerRequest),
    line('Streams reads (max)', streamReads, PRICING.dynamodbStreamsPerReadRequest),
    line('Pipes requests', pipeRequests, PRICING.pipesPerRequest),
  ];
}

/** The previous floor: one email plus the minimal writes (store the code, mark it verified). */
export const PREVIOUS_FLOOR_USD_PER_PARCEL = PRICING.sesPerEmail + 2 * PRICING.dynamodbPerWriteUnit;

/**
 * The floor of what the feature set needs at minimum: the two emails (code and receipt), one write to
 * issue and one to verify, the four contract events on the bus (Shipped, Out For Delivery, Issued,
 * Handover Verified), one HTTP API request, one Express execution of the minimum billed duration.
 */
export const FLOOR_USD_PER_PARCEL =
  2 * PRICING.sesPerEmail +
  2 * PRICING.dynamodbPerWriteUnit +
  4 * PRICING.eventBridgePerCustomEvent +
  PRICING.httpApiPerRequest +
  PRICING.stepFunctionsExpressPerRequest +
  0.1 * EXPRESS_MEMORY_GB * PRICING.stepFunctionsExpressPerGbSecond;

/** What the cost model makes of a measured run: each invocation modelled, and the billed totals. */
export interface DurationModel {
  readonly invocations: readonly ModelledInvocation[];
  readonly durations: ModelledDurations;
  /** Modelled billed seconds of Lambda (all invocations). */
  readonly lambdaSeconds: number;
  /** Each Express execution's modelled duration, ms. */
  readonly expressMs: readonly number[];
}

/**
 * Models every measured invocation for AWS and each Express execution from its Task invocations and
 * PutEvents tasks (`bench/aws-model.ts`).
 */
export function modelDurations(
  invocations: readonly MeasuredInvocation[],
  executions: readonly { express: boolean; tasks: readonly MeasuredInvocation[]; putEvents: number }[],
  model: LatencyModel = LATENCY_MODEL,
): DurationModel {
  const modelled = new Map(invocations.map((invocation) => [invocation, modelInvocation(invocation, model)]));
  const expressMs = executions
    .filter((execution) => execution.express)
    .map((execution) =>
      expressDurationMs(
        {
          tasks: execution.tasks.map((task) => modelled.get(task) ?? modelInvocation(task, model)),
          putEvents: execution.putEvents,
        },
        model,
      ),
    );
  const all = [...modelled.values()];
  return {
    invocations: all,
    durations: {
      lambdaGbSeconds: lambdaGbSeconds(all),
      expressGbSeconds: expressMs.reduce((sum, ms) => sum + expressGbSeconds(ms), 0),
    },
    lambdaSeconds: all.reduce((sum, invocation) => sum + invocation.billedMs / 1000, 0),
    expressMs,
  };
}

/** Per function: invocations, mean CPU here, mean modelled billed ms, mean AWS calls by service. */
export function functionBreakdown(
  measured: readonly (MeasuredInvocation & { wallMs: number; logBytes: number })[],
  modelled: readonly ModelledInvocation[],
) {
  const rows = new Map<
    string,
    {
      invocations: number;
      cpuMs: number;
      billedMs: number;
      wallMs: number;
      logBytes: number;
      calls: Record<string, number>;
    }
  >();
  measured.forEach((invocation, index) => {
    const row = rows.get(invocation.functionId) ?? {
      invocations: 0,
      cpuMs: 0,
      billedMs: 0,
      wallMs: 0,
      logBytes: 0,
      calls: {},
    };
    row.invocations++;
    row.cpuMs += invocation.cpuMs;
    row.billedMs += modelled[index]?.billedMs ?? 0;
    row.wallMs += invocation.wallMs;
    row.logBytes += invocation.logBytes;
    for (const call of invocation.calls) {
      const key = `${call.service}:${call.operation}`;
      row.calls[key] = (row.calls[key] ?? 0) + 1;
    }
    rows.set(invocation.functionId, row);
  });
  return [...rows].map(([functionId, row]) => ({
    functionId,
    invocations: row.invocations,
    meanCpuMs: row.cpuMs / row.invocations,
    meanBilledMs: row.billedMs / row.invocations,
    meanSandboxWallMs: row.wallMs / row.invocations,
    meanLogBytes: row.logBytes / row.invocations,
    callsPerInvocation: Object.fromEntries(
      Object.entries(row.calls).map(([call, count]) => [call, count / row.invocations]),
    ),
  }));
}

/**
 * Bytes of Lambda's own log records per invocation (`platform.start` and `platform.report` in the JSON log
 * format): an assumption from their documented fields (docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html).
 */
export const PLATFORM_LOG_BYTES_PER_INVOCATION = 500;

/**
 * CloudWatch Logs ingestion of Lambda's logs per parcel: the handlers' lines as measured, plus Lambda's
 * platform records. Not part of the feature floor or the per-parcel total (docs/cost.md).
 */
export const lambdaLogsUsdPerParcel = (handlerLogBytes: number, invocations: number): number =>
  ((handlerLogBytes + invocations * PLATFORM_LOG_BYTES_PER_INVOCATION) / 1e9) *
  PRICING.cloudWatchLogsIngestionPerGb;

/** Parcels run before measuring, so module caches, JIT and keep-alive sockets are warm (as at volume on AWS). */
const WARM_UP_PARCELS = 3;

/** Ships `count` parcels, verifies each at the door, and waits until everything they set off has ended. */
async function deliver(sandbox: Sandbox, client: SandboxClient, prefix: string, count: number) {
  const ready = await prepareParcels(sandbox, client, prefix, count);
  for (const parcel of ready) {
    const response = await client.verify(parcel.parcelId, { code: parcel.code }, parcel.token);
    if (response.status !== 200) throw new Error(`verify answered ${response.status}`);
  }
  await sandbox.settled();
  return ready;
}

const sum = (lines: readonly CostLine[]) => lines.reduce((total, line) => total + line.usdPerParcel, 0);

/**
 * Runs whole protected deliveries (ship, email, out for delivery, verify, receipt) and prices them,
 * with Lambda and Express durations modelled for AWS from each invocation's own CPU time and AWS calls
 * (the cost model), and beside it with the sandbox's wall time.
 */
export async function measureCost(sandbox: Sandbox, client: SandboxClient, parcels: number) {
  await deliver(sandbox, client, 'WARM', WARM_UP_PARCELS);
  const before = snapshot(sandbox);
  const meter = await LambdaMeter.start(sandbox);
  let ready: Awaited<ReturnType<typeof deliver>>;
  try {
    ready = await deliver(sandbox, client, 'COST', parcels);
  } finally {
    meter.stop();
  }
  const after = snapshot(sandbox);
  const lambdaInvocations = Object.entries(after.lambda).reduce(
    (total, [id, stat]) => total + stat.invocations - (before.lambda[id]?.invocations ?? 0),
    0,
  );
  const expressExecutions = after.expressExecutions - before.expressExecutions;
  // Every billed invocation and execution must have been measured, or the model prices less than ran.
  if (meter.invocations.length !== lambdaInvocations || meter.executions.length !== expressExecutions)
    throw new Error(
      `the meter saw ${meter.invocations.length} invocations and ${meter.executions.length} executions; the sandbox counted ${lambdaInvocations} and ${expressExecutions}`,
    );
  const model = modelDurations(meter.invocations, meter.executions);
  const doubled = modelDurations(meter.invocations, meter.executions, scaleLatencies(LATENCY_MODEL, 2));
  const item = await itemBytes(sandbox, ready[0]?.parcelId ?? '');
  const lines = price(before, after, parcels, parcels, item, model.durations);
  const sandboxLines = price(before, after, parcels, parcels, item);
  const total = sum(lines);
  // The receipt is one more email per parcel on purpose: report the code path without it as well
  // (its email, its invocation and modelled duration, its read and two writes).
  const receiptGbSeconds = lambdaGbSeconds(
    model.invocations.filter((invocation) => invocation.functionId.includes('Receipt')),
  );
  const receiptCost =
    PRICING.sesPerEmail +
    PRICING.lambdaPerRequest +
    (receiptGbSeconds / parcels) * PRICING.lambdaArmPerGbSecond +
    2 * Math.ceil(item / 1024) * PRICING.dynamodbPerWriteUnit +
    PRICING.dynamodbPerReadUnit;
  const sandboxLambdaSeconds = Object.entries(after.lambda).reduce(
    (total, [id, stat]) => total + (stat.durationMs - (before.lambda[id]?.durationMs ?? 0)) / 1000,
    0,
  );
  /** Requests one protected parcel makes of each quota-bound service, as counted in this run. */
  const perParcel = {
    emails: (after.emails - before.emails) / parcels,
    events: (after.events - before.events) / parcels,
    expressExecutions: expressExecutions / parcels,
    httpRequests: 1,
    dynamodbWrites: dynamodbRequests(before, after, WRITES) / parcels,
    dynamodbReads: dynamodbRequests(before, after, READS) / parcels,
    lambdaInvocations: lambdaInvocations / parcels,
    /** Modelled billed seconds of Lambda (what fills concurrency on AWS). */
    lambdaSeconds: model.lambdaSeconds / parcels,
    /** The sandbox's wall time, for comparison only. */
    sandboxLambdaSeconds: sandboxLambdaSeconds / parcels,
    streamRecords: (after.streamRecords - before.streamRecords) / parcels,
    pipeRequests: (after.pipeRequests - before.pipeRequests) / parcels,
    logBytes: meter.invocations.reduce((total, invocation) => total + invocation.logBytes, 0) / parcels,
  };
  return {
    model: {
      name: 'modelled-aws-durations',
      description:
        "Lambda: each invocation's own CPU time in the sandbox x (1769 MB / memory), plus a latency per AWS call it made (overlapping calls count once), rounded up to 1 ms; Express: the sum of its Lambda tasks (+ Invoke overhead) and PutEvents tasks, in 100 ms steps at 64 MB. See docs/cost.md.",
      latencies: LATENCY_MODEL,
      meterOverheadPerSliceMs: meter.overheadPerSliceMs,
      warmUpParcels: WARM_UP_PARCELS,
    },
    perParcel,
    lines,
    totalPerMillion: total * 1e6,
    withoutReceiptPerMillion: (total - receiptCost) * 1e6,
    /** Same run, every latency doubled: how much the assumed latencies matter. */
    latenciesDoubledPerMillion: sum(price(before, after, parcels, parcels, item, doubled.durations)) * 1e6,
    sandboxWallTime: { lines: sandboxLines, totalPerMillion: sum(sandboxLines) * 1e6 },
    /** Lambda's log ingestion (measured handler lines + platform records), beside the total, not in it. */
    lambdaLogsPerMillion: lambdaLogsUsdPerParcel(perParcel.logBytes, perParcel.lambdaInvocations) * 1e6,
    functions: functionBreakdown(meter.invocations, model.invocations),
    expressMsMean: model.expressMs.reduce((total, ms) => total + ms, 0) / Math.max(1, model.expressMs.length),
    itemBytes: item,
  };
}

/** Parts a text message is billed as: GSM-7 fits 160 characters (153 per part when split), else UCS-2 70 (67). */
export function smsParts(body: string): number {
  const gsm7 =
    /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà^{}\\[~\]|€]*$/.test(
      body,
    );
  const [single, multi] = gsm7 ? [160, 153] : [70, 67];
  return body.length <= single ? 1 : Math.ceil(body.length / multi);
}

/**
 * The SMS fallback's cost per protected parcel: at each fallback rate, the measured cost per parcel
 * plus that share of one code SMS (its parts at the country's price per part, and the record-delivery
 * run that sends it, which the measured cost already counts for every email's SES events).
 */
export function smsFallbackCost(
  usdPerParcel: number,
  sampleSms: string,
  country: string,
  rates: readonly number[] = [0, 0.02, 0.1],
) {
  const price = PRICING.smsPerPartByCountry[country as keyof typeof PRICING.smsPerPartByCountry];
  if (price === undefined)
    throw new Error(
      `No SMS price for ${country}; known: ${Object.keys(PRICING.smsPerPartByCountry).join(', ')}`,
    );
  const parts = smsParts(sampleSms);
  const perSms = parts * price;
  return {
    country,
    pricePerPart: price,
    parts,
    perSms,
    rates: rates.map((rate) => ({ rate, usdPerParcel: usdPerParcel + rate * perSms })),
  };
}
