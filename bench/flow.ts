import { DetailType } from '../lambdas/domain/events/detail-types.ts';
import { codeFromEmail, type SandboxClient, shippedDetail } from '../sandbox/app/client.ts';
import type { Sandbox } from '../sandbox/app/sandbox.ts';

/** A parcel shipped, emailed and bound to a driver: ready for the driver to verify. */
export interface ReadyParcel {
  readonly parcelId: string;
  readonly code: string;
  readonly token: string;
}

const BATCH = 10;
/** Parcels shipped and bound at a time while preparing. */
const WAVE = 50;

/** Publishes entries in PutEvents batches of ten (the API's limit). */
export async function publishAll(
  client: SandboxClient,
  entries: { detailType: string; detail: unknown }[],
): Promise<void> {
  for (let index = 0; index < entries.length; index += BATCH) {
    await client.publish(entries.slice(index, index + BATCH));
  }
}

/**
 * Ships `count` high-value parcels, reads each code from its email and binds all to one driver, as a
 * carrier and a recipient would; returns what the driver needs to verify.
 */
export async function prepareParcels(
  sandbox: Sandbox,
  client: SandboxClient,
  prefix: string,
  count: number,
): Promise<ReadyParcel[]> {
  const ids = Array.from({ length: count }, (_, index) => `${prefix}-${index}`);
  const deliveryDate = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  // In waves: hundreds of workflows at once in one process time out their own AWS calls (not what is measured).
  for (let start = 0; start < ids.length; start += WAVE) {
    const wave = ids.slice(start, start + WAVE);
    await publishAll(
      client,
      wave.map((parcelId) => ({ detailType: DetailType.ParcelShipped, detail: shippedDetail(parcelId) })),
    );
    await sandbox.settled();
    await publishAll(
      client,
      wave.map((parcelId) => ({
        detailType: DetailType.ParcelOutForDelivery,
        detail: { parcelId, driverId: 'D-BENCH', deliveryDate },
      })),
    );
    await sandbox.settled();
  }
  const token = await client.driverToken('D-BENCH');
  const store = (await (await fetch(`${sandbox.endpoints.sesEndpoint}/store`)).json()) as {
    emails: { destination: { to: string[] }; body: { text?: string } }[];
  };
  const codes = new Map(
    store.emails.map((email) => [email.destination.to[0], codeFromEmail(email.body.text ?? '')]),
  );
  return ids.map((parcelId) => {
    const code = codes.get(`${parcelId.toLowerCase()}@example.com`);
    if (!code) {
      // Say why: the parcel's workflow runs that failed, with their errors (e.g. a handler timed out).
      const failed = [...sandbox.stepFunctions.executions.values()]
        .filter((execution) => execution.status !== 'SUCCEEDED' && execution.input.includes(`"${parcelId}"`))
        .map((execution) => `${execution.status} ${execution.error ?? ''}: ${execution.cause ?? ''}`);
      throw new Error(
        `no code emailed for ${parcelId}; its unsuccessful workflow runs: [${failed.join('; ')}]`,
      );
    }
    return { parcelId, code, token };
  });
}

/** Runs `task` over `items` with at most `concurrency` in flight. */
export async function runConcurrently<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
