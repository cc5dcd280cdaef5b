import { DetailType } from '../lambdas/domain/events/detail-types.ts';
import { type SandboxClient, shippedDetail } from '../sandbox/app/client.ts';
import type { Sandbox } from '../sandbox/app/sandbox.ts';
import { price, snapshot } from './cost.ts';
import { runConcurrently } from './flow.ts';
import { percentile } from './stats.ts';

/** How long one parcel may take from PutEvents to its email before the run fails instead of hanging. */
const EMAIL_DEADLINE_MS = 120_000;

/** Waits until the bus carries `Delivery Otp Issued` for the parcel (emitted right after its email). */
async function emailed(sandbox: Sandbox, parcelId: string, fromIndex: number): Promise<void> {
  const deadline = Date.now() + EMAIL_DEADLINE_MS;
  // Each waiter reads only the events new since its last look: 64 waiters rescanning the whole run every
  // 2 ms took a core from the sandbox being measured (and timed its functions out on a loaded machine).
  let next = fromIndex;
  while (Date.now() < deadline) {
    const events = sandbox.bus.events;
    for (; next < events.length; next++) {
      const event = events[next];
      if (event?.['detail-type'] === DetailType.OtpIssued && event.detail.parcelId === parcelId) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const failed = [...sandbox.stepFunctions.executions.values()]
    .filter(
      (execution) => execution.status === 'FAILED' && JSON.stringify(execution.input).includes(parcelId),
    )
    .map((execution) => `${execution.error}`);
  throw new Error(
    `no email for ${parcelId} within ${EMAIL_DEADLINE_MS} ms; failed executions: [${failed.join(', ')}]`,
  );
}

/**
 * Issuing at a given concurrency: `parcels` parcels, `concurrency` carriers each publishing one
 * Parcel Shipped and waiting for its email. Latency is PutEvents → email; cost per parcel from the counters.
 */
export async function measureIssuing(
  sandbox: Sandbox,
  client: SandboxClient,
  concurrency: number,
  parcels: number,
  itemBytes: number,
) {
  const ids = Array.from({ length: parcels }, (_, index) => `TPUT-${concurrency}-${index}`);
  const latencies: number[] = [];
  const before = snapshot(sandbox);
  const fromIndex = sandbox.bus.events.length;
  const started = performance.now();
  await runConcurrently(ids, concurrency, async (parcelId) => {
    const sent = performance.now();
    await client.publish([{ detailType: DetailType.ParcelShipped, detail: shippedDetail(parcelId) }]);
    await emailed(sandbox, parcelId, fromIndex);
    latencies.push(performance.now() - sent);
  });
  const seconds = (performance.now() - started) / 1000;
  await sandbox.settled();
  const lines = price(before, snapshot(sandbox), parcels, 0, itemBytes);
  return {
    concurrency,
    parcels,
    parcelsPerSecond: parcels / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    usdPerMillion: lines.reduce((sum, line) => sum + line.usdPerParcel, 0) * 1e6,
  };
}
