import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Template } from '../sandbox/emulators/template.ts';
import type { BenchResult } from './report.ts';

// Before the SDK and Powertools load: quiet upgrade notices; handler log lines are dropped below.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const { SandboxClient } = await import('../sandbox/app/client.ts');
const { REPO_ROOT } = await import('../sandbox/app/paths.ts');
const { startSandbox } = await import('../sandbox/app/sandbox.ts');
const { FLOOR_USD_PER_PARCEL, PREVIOUS_FLOOR_USD_PER_PARCEL, measureCost, smsFallbackCost } = await import(
  './cost.ts'
);
const { renderOtpSms } = await import('../lambdas/domain/email/render.ts');
const { capacity } = await import('./capacity.ts');
const { handlerEnvironments, measureColdStarts } = await import('./cold-start.ts');
const { DEFAULT_FIXED_COST_ASSUMPTIONS, fixedMonthlyCost } = await import('./fixed-cost.ts');
const { PRICING } = await import('./pricing.ts');
const { round } = await import('./stats.ts');
const { measureIssuing } = await import('./throughput.ts');
const { measureVerify, withPipesStopped } = await import('./verify.ts');
const { renderBenchReport } = await import('./report.ts');

const quick = process.argv.includes('--quick');
/**
 * The Node.js that times module init (`--init-node=/path/to/node`): the functions run on Node.js 24, where
 * loading an SDK client package costs less than on older Node; the bench's own Node by default.
 */
const initNode =
  process.argv.find((arg) => arg.startsWith('--init-node='))?.split('=')[1] ?? process.execPath;
/** Destination country of the SMS fallback's price (`--sms-country=DE`). */
const smsCountry =
  process.argv
    .find((arg) => arg.startsWith('--sms-country='))
    ?.split('=')[1]
    ?.toUpperCase() ?? 'DE';
/** Drivers active in a month, for the fixed monthly cost (`--drivers=50`). */
const activeDrivers = Number(
  process.argv.find((arg) => arg.startsWith('--drivers='))?.split('=')[1] ??
    DEFAULT_FIXED_COST_ASSUMPTIONS.activeDrivers,
);
if (!Number.isInteger(activeDrivers) || activeDrivers < 0)
  throw new Error(`--drivers must be a whole number of drivers, got ${activeDrivers}`);
const sizes = quick
  ? {
      costParcels: 10,
      verifySamples: 30,
      initRounds: 3,
      levels: [
        [1, 5],
        [8, 16],
        [64, 64],
      ],
    }
  : {
      costParcels: 50,
      verifySamples: 200,
      initRounds: 15,
      levels: [
        [1, 20],
        [8, 80],
        [64, 256],
      ],
    };

/** A latency figure as a ratio to its baseline, with the baseline in ms beside it. */
const latencyRatio = (measured: number, baseline: number) => ({
  value: round(measured / baseline),
  unit: 'ratio',
  baseline: round(baseline, 2),
  ratio: round(measured / baseline),
});

/**
 * The verify path in a sandbox of its own whose stream pipes are stopped (`withPipesStopped`), so no
 * handover work shares the process with the requests being timed.
 */
async function measureVerifyAlone(template: Template, samples: number) {
  const sandbox = await startSandbox({
    ports: { api: 0, aws: 0 },
    write: () => undefined,
    template: withPipesStopped(template),
  });
  try {
    return await measureVerify(sandbox, new SandboxClient(sandbox.endpoints), samples);
  } finally {
    await sandbox.stop();
  }
}

/** `npm run bench`: cost, verify path, cold start and issuing throughput, each beside its baseline. */
async function main(): Promise<void> {
  const say = (text: string) => process.stderr.write(`bench: ${text}\n`);
  const write = process.stdout.write.bind(process.stdout);
  // Handlers log JSON lines to stdout; the bench keeps its own output readable.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) =>
    String(chunk).startsWith('{')
      ? true
      : (write as (...args: unknown[]) => boolean)(chunk, ...rest)) as typeof process.stdout.write;

  say('starting the sandbox');
  const sandbox = await startSandbox({
    ports: { api: 0, aws: 0 },
    write: () => undefined,
  });
  const client = new SandboxClient(sandbox.endpoints);
  try {
    say(`cost: ${sizes.costParcels} protected deliveries end to end`);
    const cost = await measureCost(sandbox, client, sizes.costParcels);
    const issuing = [];
    for (const [concurrency, parcels] of sizes.levels as [number, number][]) {
      say(`issuing at concurrency ${concurrency}`);
      issuing.push(await measureIssuing(sandbox, client, concurrency, parcels, cost.itemBytes));
    }
    const environments = handlerEnvironments(sandbox.resolver);
    const fixed = fixedMonthlyCost(sandbox.resolver.template, {
      ...DEFAULT_FIXED_COST_ASSUMPTIONS,
      activeDrivers,
    });
    if (fixed.unclassified.length > 0)
      say(`fixed cost: NOT priced (unknown resource types): ${fixed.unclassified.join(', ')}`);
    const { template } = sandbox.resolver;
    await sandbox.stop();
    say(`verify: its own sandbox (pipes stopped), ${sizes.verifySamples} verifies beside the baselines`);
    const verify = await measureVerifyAlone(template, sizes.verifySamples);
    say('cold start: bundling and timing module init');
    const cold = await measureColdStarts(sizes.initRounds, environments, initNode);

    const floorPerMillion = FLOOR_USD_PER_PARCEL * 1e6;
    const previousFloorPerMillion = PREVIOUS_FLOOR_USD_PER_PARCEL * 1e6;
    const peak = capacity(cost.perParcel);
    const worstInit = cold.rows.reduce((worst, row) => (row.ratio > worst.ratio ? row : worst));
    const sms = smsFallbackCost(
      cost.totalPerMillion / 1e6,
      renderOtpSms({
        locale: smsCountry === 'DE' || smsCountry === 'AT' ? 'de-DE' : 'en-GB',
        orderId: '302-1234567-7654321',
        parcelId: 'P-1001',
        code: '123456',
        validUntil: new Date('2026-12-01T23:00:00Z'),
        timeZone: 'Europe/Berlin',
      }),
      smsCountry,
    );
    const figures = {
      ...Object.fromEntries(
        sms.rates.map((line) => [
          `cost_per_million_parcels_sms_${Math.round(line.rate * 100)}pct_usd`,
          { value: round(line.usdPerParcel * 1e6, 2), unit: `USD per 1M parcels, SMS to ${sms.country}` },
        ]),
      ),
      cost_per_million_parcels_usd: {
        value: round(cost.totalPerMillion, 2),
        unit: 'USD',
        baseline: round(floorPerMillion, 2),
        ratio: round(cost.totalPerMillion / floorPerMillion),
        model: cost.model.name,
      },
      cost_previous_floor_ratio: {
        value: round(cost.totalPerMillion / previousFloorPerMillion),
        unit: 'ratio',
        baseline: round(previousFloorPerMillion, 2),
        ratio: round(cost.totalPerMillion / previousFloorPerMillion),
        model: cost.model.name,
      },
      cost_per_million_parcels_without_receipt_usd: {
        value: round(cost.withoutReceiptPerMillion, 2),
        unit: 'USD',
        baseline: round(floorPerMillion, 2),
        ratio: round(cost.withoutReceiptPerMillion / floorPerMillion),
        model: cost.model.name,
      },
      cost_per_million_parcels_latencies_doubled_usd: {
        value: round(cost.latenciesDoubledPerMillion, 2),
        unit: 'USD',
        baseline: round(floorPerMillion, 2),
        ratio: round(cost.latenciesDoubledPerMillion / floorPerMillion),
        model: `${cost.model.name}, every assumed latency x2`,
      },
      cost_per_million_parcels_sandbox_wall_time_usd: {
        value: round(cost.sandboxWallTime.totalPerMillion, 2),
        unit: 'USD',
        baseline: round(floorPerMillion, 2),
        ratio: round(cost.sandboxWallTime.totalPerMillion / floorPerMillion),
        model:
          'sandbox-wall-time (Lambda and Express durations as the sandbox ran them on this machine; not what AWS bills)',
      },
      lambda_log_ingestion_per_million_parcels_usd: {
        value: round(cost.lambdaLogsPerMillion, 2),
        unit: 'USD',
        model: `handler log bytes measured (${Math.round(cost.perParcel.logBytes)} B per parcel) + Lambda platform records (assumed); not in cost_per_million_parcels_usd`,
      },
      fixed_cost_per_month_usd: {
        value: round(fixed.usdPerMonth, 2),
        unit: 'USD per month, no parcels',
        active_drivers: activeDrivers,
        model: 'template-derived (bench/fixed-cost.ts)',
      },
      twilio_verify_per_million_usd: { value: PRICING.twilioVerifyPerVerification * 1e6, unit: 'USD' },
      verify_ddb_round_trips_success: { value: verify.roundTripsSuccess, unit: 'requests' },
      verify_ddb_round_trips_failure: { value: verify.roundTripsFailure, unit: 'requests' },
      verify_latency_p50_ratio: latencyRatio(verify.verifyP50, verify.baselineP50),
      verify_latency_p99_ratio: latencyRatio(verify.verifyP99, verify.baselineP99),
      verify_kms_requests_success: { value: verify.kmsRequestsSuccess, unit: 'requests' },
      verify_kms_requests_failure: { value: verify.kmsRequestsFailure, unit: 'requests' },
      verify_latency_p50_ratio_vs_kms_baseline: latencyRatio(verify.verifyP50, verify.kmsBaselineP50),
      verify_latency_p99_ratio_vs_kms_baseline: latencyRatio(verify.verifyP99, verify.kmsBaselineP99),
      verify_latency_p50_ms: { value: round(verify.verifyP50, 2), unit: 'ms' },
      verify_throughput_per_s: { value: round(verify.throughputPerSecond, 1), unit: 'requests/s' },
      cold_start_init_ratio_max: {
        value: round(worstInit.ratio),
        unit: 'ratio',
        baseline: round(worstInit.baselineInitMs, 1),
        ratio: round(worstInit.ratio),
        handler: worstInit.name,
        model: `module init CPU time (all threads), median of ${cold.rounds} interleaved rounds' own ratios, Node ${cold.node}`,
      },
      capacity_parcels_per_s: {
        value: round(peak.binding.parcelsPerSecond, 1),
        unit: 'parcels/s',
        binding: peak.binding.quota,
      },
      capacity_verifies_per_s: { value: peak.verifiesPerSecond, unit: 'requests/s' },
      issue_throughput_parcels_per_s: {
        value: round(Math.max(...issuing.map((level) => level.parcelsPerSecond)), 1),
        unit: 'parcels/s',
      },
    };
    const machine = {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: round(totalmem() / 2 ** 30, 1),
      node: process.version,
    };
    const result = {
      generatedAt: new Date().toISOString(),
      machine,
      quick,
      figures,
      detail: { cost, fixedCost: fixed, verify, issuing, coldStart: cold, capacity: peak, sms },
    };
    mkdirSync(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(join(REPO_ROOT, 'bench', 'results', 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);

    const report = renderBenchReport(result);
    write(report);
    updatePerformanceDoc(report, result);
  } finally {
    await sandbox.stop().catch(() => undefined);
  }
}

/** Replaces docs/performance.md's results block with this run's report, so the doc always shows the latest numbers. */
function updatePerformanceDoc(report: string, result: BenchResult): void {
  const path = join(REPO_ROOT, 'docs', 'performance.md');
  const doc = readFileSync(path, 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  if (!doc.includes(start) || !doc.includes(end)) return;
  const block = `${start}\nLatest run (${result.generatedAt}${result.quick ? ', --quick' : ''}):\n\n\`\`\`${report}\`\`\`\n${end}`;
  writeFileSync(path, doc.replace(new RegExp(`${start}[\\s\\S]*${end}`), block));
}

/** `npm run bench -- --render`: re-renders docs/performance.md from bench/results/latest.json, measuring nothing. */
function renderLatest(): void {
  const result = JSON.parse(
    readFileSync(join(REPO_ROOT, 'bench', 'results', 'latest.json'), 'utf8'),
  ) as BenchResult;
  updatePerformanceDoc(renderBenchReport(result), result);
}

const run = process.argv.includes('--render') ? async () => renderLatest() : main;
run().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
