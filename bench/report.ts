import type { capacity } from './capacity.ts';
import type { measureColdStarts } from './cold-start.ts';
import type { measureCost, smsFallbackCost } from './cost.ts';
import type { fixedMonthlyCost } from './fixed-cost.ts';
import { round } from './stats.ts';
import type { measureIssuing } from './throughput.ts';
import type { measureVerify } from './verify.ts';

/** One figure of `bench/results/latest.json`. */
export interface BenchFigure {
  readonly value: number;
  readonly unit: string;
  readonly baseline?: number;
  readonly ratio?: number;
  readonly model?: string;
  readonly [more: string]: unknown;
}

/** What `npm run bench` writes to `bench/results/latest.json`, and all the report is rendered from. */
export interface BenchResult {
  readonly generatedAt: string;
  readonly machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string };
  readonly quick: boolean;
  readonly figures: Record<string, BenchFigure>;
  readonly detail: {
    readonly cost: Awaited<ReturnType<typeof measureCost>>;
    readonly fixedCost: ReturnType<typeof fixedMonthlyCost>;
    readonly verify: Awaited<ReturnType<typeof measureVerify>>;
    readonly issuing: Awaited<ReturnType<typeof measureIssuing>>[];
    readonly coldStart: Awaited<ReturnType<typeof measureColdStarts>>;
    readonly capacity: ReturnType<typeof capacity>;
    readonly sms: ReturnType<typeof smsFallbackCost>;
  };
}

/** The targets the figures are held to (issue 19), each a ratio to its baseline that must not be exceeded. */
export const TARGETS = [
  { figure: 'cost_per_million_parcels_usd', what: 'cost per parcel vs the feature floor', max: 1.1 },
  { figure: 'verify_latency_p50_ratio_vs_kms_baseline', what: 'verify p50 vs the KMS baseline', max: 1.1 },
  { figure: 'verify_latency_p99_ratio_vs_kms_baseline', what: 'verify p99 vs the KMS baseline', max: 1.25 },
  { figure: 'cold_start_init_ratio_max', what: 'worst module init vs one-client baseline', max: 1.3 },
] as const;

/** A figure the run must have written. */
function figure(result: BenchResult, name: string): BenchFigure {
  const found = result.figures[name];
  if (!found) throw new Error(`bench/results/latest.json has no figure ${name}`);
  return found;
}

/**
 * The bench's report, from a run's result alone (so docs/performance.md can be re-rendered from
 * latest.json without measuring again: `npm run bench -- --render`).
 */
export function renderBenchReport(result: BenchResult): string {
  const { machine } = result;
  const { cost, verify, issuing, sms } = result.detail;
  const fixed = result.detail.fixedCost;
  const peak = result.detail.capacity;
  const cold = result.detail.coldStart;
  const floorPerMillion = figure(result, 'cost_per_million_parcels_usd').baseline ?? Number.NaN;
  const previousFloorPerMillion = figure(result, 'cost_previous_floor_ratio').baseline ?? Number.NaN;
  const activeDrivers = figure(result, 'fixed_cost_per_month_usd').active_drivers as number;
  const out: string[] = ['', 'Targets (ratio to baseline, at most)'];
  for (const target of TARGETS) {
    const ratio = figure(result, target.figure).ratio ?? Number.NaN;
    out.push(
      `  ${target.what.padEnd(44)} ${`${target.max}x`.padStart(6)}  this run ${`${ratio}x`.padStart(7)}  ${ratio <= target.max ? 'met' : 'MISSED'}`,
    );
  }
  out.push(
    '',
    'Cost per protected parcel (us-east-1 on-demand; Lambda and Express durations modelled for AWS, docs/cost.md)',
    '  item                                       per parcel    USD per million parcels',
  );
  for (const line of cost.lines)
    out.push(
      `  ${line.item.padEnd(41)} ${round(line.perParcel, 4).toString().padStart(10)}    ${round(
        line.usdPerParcel * 1e6,
        2,
      )
        .toString()
        .padStart(10)}`,
    );
  out.push(
    `  total: $${round(cost.totalPerMillion, 2)} per M; without the receipt $${round(cost.withoutReceiptPerMillion, 2)}; Twilio Verify $50,000`,
    `  not in the total: Lambda's log ingestion $${round(cost.lambdaLogsPerMillion, 2)} per M (${Math.round(cost.perParcel.logBytes)} B of handler logs per parcel + platform records); Step Functions and API access logs, X-Ray (docs/cost.md)`,
    `  every assumed latency doubled: $${round(cost.latenciesDoubledPerMillion, 2)} per M; with the sandbox's wall time instead of the model: $${round(cost.sandboxWallTime.totalPerMillion, 2)} per M (${round(cost.perParcel.sandboxLambdaSeconds, 2)} s of Lambda per parcel here vs ${round(cost.perParcel.lambdaSeconds, 3)} s modelled)`,
    `  feature floor (2 emails, 2 writes, 4 events, 1 HTTP API request, 1 minimal Express run): $${round(floorPerMillion, 2)} per M, ratio ${round(cost.totalPerMillion / floorPerMillion)}x`,
    `  previous floor (1 email + 2 writes): $${round(previousFloorPerMillion, 2)} per M, ratio ${round(cost.totalPerMillion / previousFloorPerMillion)}x`,
  );
  out.push('', 'Modelled Lambda durations (own CPU here x 1769 MB / memory, plus AWS call latencies)');
  for (const row of cost.functions)
    out.push(
      `  ${row.functionId.padEnd(36)} ${String(row.invocations).padStart(4)} calls  CPU ${round(
        row.meanCpuMs,
        2,
      )
        .toString()
        .padStart(
          6,
        )} ms  billed ${round(row.meanBilledMs, 1).toString().padStart(6)} ms  (sandbox wall ${round(row.meanSandboxWallMs, 1)} ms)`,
    );
  out.push(
    `  Express executions: ${round(cost.expressMsMean, 1)} ms modelled on average (billed in 100 ms steps)`,
  );
  out.push(
    '',
    `Fixed monthly cost, no parcels (${activeDrivers} active drivers; from the synthesized template)`,
  );
  for (const line of fixed.lines)
    out.push(
      `  ${line.item.padEnd(62)} ${round(line.quantity, 2).toString().padStart(10)} x $${line.usdPerUnit} = $${round(line.usdPerMonth, 2)}`,
    );
  out.push(
    `  total: $${round(fixed.usdPerMonth, 2)} per month${fixed.unclassified.length > 0 ? `; NOT priced: ${fixed.unclassified.join(', ')}` : ''}`,
  );
  out.push(
    '',
    `SMS fallback (${sms.country}: $${sms.pricePerPart} per part, the code SMS is ${sms.parts} parts = $${round(sms.perSms, 4)})`,
    ...sms.rates.map(
      (line) =>
        `  ${String(line.rate * 100).padStart(3)} % of codes also by SMS: $${round(line.usdPerParcel * 1e6, 2)} per M parcels`,
    ),
  );
  out.push('', "Verify path (its own sandbox, stream pipes stopped; baselines signed with verify's role)");
  out.push(
    `  DynamoDB round trips: ${verify.roundTripsSuccess} on success, ${verify.roundTripsFailure} on a wrong code; KMS GenerateMac: ${verify.kmsRequestsSuccess} on success, ${verify.kmsRequestsFailure} on a wrong code`,
  );
  out.push(
    `  latency through the same front door (JWT authorizer, payload 2.0), one request at a time, order rotating: p50 ${round(verify.verifyP50, 2)} ms vs baseline ${round(verify.baselineP50, 2)} ms (${figure(result, 'verify_latency_p50_ratio').ratio}x); p99 ${round(verify.verifyP99, 2)} vs ${round(verify.baselineP99, 2)} ms (${figure(result, 'verify_latency_p99_ratio').ratio}x)`,
  );
  out.push(
    `  with the KMS call: baseline + GenerateMac p50 ${round(verify.kmsBaselineP50, 2)} ms (verify ${figure(result, 'verify_latency_p50_ratio_vs_kms_baseline').ratio}x of it); p99 ${round(verify.kmsBaselineP99, 2)} ms (${figure(result, 'verify_latency_p99_ratio_vs_kms_baseline').ratio}x)`,
  );
  out.push(`  throughput at concurrency 8: ${round(verify.throughputPerSecond, 1)} verifies/s`);
  out.push('', 'Capacity of one deployment (default quotas, per-parcel requests measured above)');
  for (const line of peak.lines)
    out.push(
      `  ${line.quota.padEnd(34)} ${String(line.limit).padStart(6)} / ${round(line.perParcel, 3)} per parcel = ${round(line.parcelsPerSecond, 1)} parcels/s`,
    );
  out.push(
    `  binds first: ${peak.binding.quota} at ${round(peak.binding.parcelsPerSecond, 1)} parcels/s; verifies: ${peak.verifiesPerSecond}/s (stage throttle)`,
  );
  out.push(
    '',
    `Cold start (bundled as the stack bundles it, the AWS SDK the runtime's; module init in a fresh Node ${cold.node} process: CPU time, median of ${cold.rounds} rounds interleaved with the baseline, each ratio the median of the rounds' own; wall time beside)`,
  );
  out.push(
    `  baseline (one DynamoDB client): ${round(cold.baselineBytes / 1024, 1)} KiB; "clients alone": a bare bundle making the SDK clients the function loads at init, nothing else`,
  );
  for (const row of cold.rows)
    out.push(
      `  ${row.name.padEnd(16)} ${round(row.bytes / 1024, 1)
        .toString()
        .padStart(
          6,
        )} KiB  init ${round(row.initMs, 1).toString().padStart(6)} ms vs ${round(row.baselineInitMs, 1)} ms  ${round(row.ratio)}x  (wall ${round(row.wallMs, 1)} vs ${round(row.baselineWallMs, 1)} ms); its ${row.clients.length} clients alone ${round(row.clientsAloneInitMs, 1)} ms (${round(row.clientsAloneRatio)}x)`,
    );
  out.push('', 'Issuing (PutEvents -> email)');
  for (const level of issuing)
    out.push(
      `  concurrency ${String(level.concurrency).padStart(2)}: ${round(level.parcelsPerSecond, 1)} parcels/s, p50 ${round(level.p50Ms, 1)} ms, p99 ${round(level.p99Ms, 1)} ms, $${round(level.usdPerMillion, 2)} per M (sandbox wall time)`,
    );
  out.push(
    '',
    `machine: ${machine.cpus} x ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}`,
    'written: bench/results/latest.json',
    '',
  );
  return out.join('\n');
}
