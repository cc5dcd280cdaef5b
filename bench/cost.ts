import type { SandboxClient } from '../sandbox/app/client.ts';
import type { Sandbox } from '../sandbox/app/sandbox.ts';
import { prepareParcels } from './flow.ts';
import { itemBytes } from './item-size.ts';
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

/**
 * Prices the difference between two snapshots per parcel. `receiptFunctionIds` are the functions of the
 * handover receipt, reported separately because the receipt is a second email by design.
 */
export function price(
  before: UsageSnapshot,
  after: UsageSnapshot,
  parcels: number,
  httpRequests: number,
  itemBytes: number,
): CostLine[] {
  const writeUnits = dynamodbRequests(before, after, WRITES) * Math.ceil(itemBytes / 1024);
  const readUnits = dynamodbRequests(before, after, READS) * Math.ceil(itemBytes / 4096);
  let invocations = 0;
  let gbSeconds = 0;
  for (const [id, stat] of Object.entries(after.lambda)) {
    const earlier = before.lambda[id] ?? { invocations: 0, durationMs: 0 };
    invocations += stat.invocations - earlier.invocations;
    gbSeconds += ((stat.durationMs - earlier.durationMs) / 1000) * (stat.memoryMb / 1024);
  }
  const executions = after.expressExecutions - before.expressExecutions;
  const expressGbSeconds = after.expressGbSeconds - before.expressGbSeconds;
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
    line('Lambda GB-s (arm64)', gbSeconds, PRICING.lambdaArmPerGbSecond),
    line('Express requests', executions, PRICING.stepFunctionsExpressPerRequest),
    line('Express GB-s', expressGbSeconds, PRICING.stepFunctionsExpressPerGbSecond),
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

/** Runs whole protected deliveries (ship, email, out for delivery, verify, receipt) and prices them. */
export async function measureCost(sandbox: Sandbox, client: SandboxClient, parcels: number) {
  const before = snapshot(sandbox);
  const ready = await prepareParcels(sandbox, client, 'COST', parcels);
  for (const parcel of ready) {
    const response = await client.verify(parcel.parcelId, { code: parcel.code }, parcel.token);
    if (response.status !== 200) throw new Error(`verify answered ${response.status}`);
  }
  await sandbox.settled();
  const after = snapshot(sandbox);
  const item = await itemBytes(sandbox, ready[0]?.parcelId ?? '');
  const lines = price(before, after, parcels, parcels, item);
  const total = lines.reduce((sum, line) => sum + line.usdPerParcel, 0);
  // The receipt is one more email per parcel on purpose: report the code path without it as well
  // (its email, its invocation and duration, its read and two writes).
  const receipt = Object.entries(after.lambda).find(([id]) => id.includes('Receipt'))?.[1];
  const receiptGbSeconds = receipt ? (receipt.durationMs / 1000 / parcels) * (receipt.memoryMb / 1024) : 0;
  const receiptCost =
    PRICING.sesPerEmail +
    PRICING.lambdaPerRequest +
    receiptGbSeconds * PRICING.lambdaArmPerGbSecond +
    2 * Math.ceil(item / 1024) * PRICING.dynamodbPerWriteUnit +
    PRICING.dynamodbPerReadUnit;
  const withoutReceipt = total - receiptCost;
  const lambdaInvocations = Object.entries(after.lambda).reduce(
    (sum, [id, stat]) => sum + stat.invocations - (before.lambda[id]?.invocations ?? 0),
    0,
  );
  const lambdaSeconds = Object.entries(after.lambda).reduce(
    (sum, [id, stat]) => sum + (stat.durationMs - (before.lambda[id]?.durationMs ?? 0)) / 1000,
    0,
  );
  /** Requests one protected parcel makes of each quota-bound service, as counted in this run. */
  const perParcel = {
    emails: (after.emails - before.emails) / parcels,
    events: (after.events - before.events) / parcels,
    expressExecutions: (after.expressExecutions - before.expressExecutions) / parcels,
    httpRequests: 1,
    dynamodbWrites: dynamodbRequests(before, after, WRITES) / parcels,
    dynamodbReads: dynamodbRequests(before, after, READS) / parcels,
    lambdaInvocations: lambdaInvocations / parcels,
    lambdaSeconds: lambdaSeconds / parcels,
    streamRecords: (after.streamRecords - before.streamRecords) / parcels,
    pipeRequests: (after.pipeRequests - before.pipeRequests) / parcels,
  };
  return {
    perParcel,
    lines,
    totalPerMillion: total * 1e6,
    withoutReceiptPerMillion: withoutReceipt * 1e6,
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
