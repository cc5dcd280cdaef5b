/**
 * The post-deploy smoke test's steps: a parcel through the whole product, driven only through the AWS SDK
 * (EventBridge) and HTTPS (the API), as a carrier, a shop backend and a driver's handheld drive it. The same
 * steps run against a deployment and the sandbox; only where the driver comes from differs (`target.ts`).
 */
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { SignatureV4 } from '@smithy/signature-v4';
import { routePath, TRACK_PATH, VERIFY_PATH } from '../../lambdas/contracts/http/paths.ts';
import { ParcelShippedDetailExample } from '../../lambdas/domain/events/carrier-events.ts';
import { DetailType } from '../../lambdas/domain/events/detail-types.ts';

/** One deployment the smoke test drives, found from its stack's outputs or the sandbox's endpoints file. */
export interface SmokeTarget {
  /** What is being tested, for the first line printed. */
  readonly description: string;
  /** Base URL of the HTTP API (stack output `VerifyApiUrl`). */
  readonly apiUrl: string;
  readonly eventBusName: string;
  readonly eventSource: string;
  /** Puts the carrier events, with credentials allowed to (the operator's, or the sandbox's). */
  readonly events: EventBridgeClient;
  /** Signs Track Package as a shop backend does (SigV4, service execute-api). */
  readonly recipientSigner: SignatureV4;
  readonly drivers: SmokeDrivers;
  /** How long a step may wait for the system (email delivered, driver bound). */
  readonly timeoutMs: number;
}

/** Where the run's driver comes from, and what removes it after. */
export interface SmokeDrivers {
  readonly description: string;
  /** A driver for this run: its carrier id and an access token carrying the verify scope. */
  create(runId: string): Promise<{ readonly driverId: string; readonly accessToken: string }>;
  /** Removes what {@link create} made (nothing for a driver the operator named); says what it did. */
  remove(): Promise<string>;
}

/** The steps in order, as printed; the first that fails names the run's failure. */
export const SMOKE_STEPS = [
  'ship a test parcel',
  'code email DELIVERED on Track Package',
  'bind a smoke-test driver',
  'verify a wrong code (422)',
  'verify the right code (200)',
  'handover recorded on Track Package',
  'clean up (cancel the parcel, remove the driver)',
] as const;

/** One step's outcome. */
export interface StepOutcome {
  readonly step: (typeof SMOKE_STEPS)[number];
  readonly status: 'passed' | 'failed' | 'skipped';
  readonly ms: number;
  readonly detail: string;
}

/** An answer of the API: status and parsed JSON body. */
interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** What the steps share within one run. */
interface RunState {
  readonly parcelId: string;
  readonly recipient: string;
  readonly today: string;
  code?: string;
  driver?: { readonly driverId: string; readonly accessToken: string };
}

const POLL_MS = 500;

/** Runs every step against `target`, reporting each as it ends; cleans up whatever happened before. */
export async function runSmoke(
  target: SmokeTarget,
  report: (outcome: StepOutcome) => void,
): Promise<readonly StepOutcome[]> {
  const runId = `${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}-${Math.random().toString(36).slice(2, 6)}`;
  const parcelId = `SMOKE-${runId}`.toUpperCase();
  const timeZone = ParcelShippedDetailExample.destination.timeZone;
  const state: RunState = {
    parcelId,
    // SES's mailbox simulator: delivered, with no effect on the sender's reputation; the label keeps runs apart.
    recipient: `success+${parcelId.toLowerCase()}@simulator.amazonses.com`,
    today: new Intl.DateTimeFormat('en-CA', { timeZone }).format(new Date()),
  };
  const bodies: Record<(typeof SMOKE_STEPS)[number], () => Promise<string>> = {
    'ship a test parcel': () => ship(target, state),
    'code email DELIVERED on Track Package': () => waitForDeliveredEmail(target, state),
    'bind a smoke-test driver': () => bindDriver(target, state, runId),
    'verify a wrong code (422)': () => verifyWrongCode(target, state),
    'verify the right code (200)': () => verifyRightCode(target, state),
    'handover recorded on Track Package': () => handoverRecorded(target, state),
    'clean up (cancel the parcel, remove the driver)': () => cleanUp(target, state),
  };
  const outcomes: StepOutcome[] = [];
  let failed = false;
  for (const step of SMOKE_STEPS) {
    const cleanup = step === 'clean up (cancel the parcel, remove the driver)';
    if (failed && !cleanup) {
      const outcome: StepOutcome = { step, status: 'skipped', ms: 0, detail: 'an earlier step failed' };
      outcomes.push(outcome);
      report(outcome);
      continue;
    }
    const started = performance.now();
    let outcome: StepOutcome;
    try {
      const detail = await bodies[step]();
      outcome = { step, status: 'passed', ms: performance.now() - started, detail };
    } catch (error) {
      failed = true;
      const detail = error instanceof Error ? error.message : String(error);
      outcome = { step, status: 'failed', ms: performance.now() - started, detail };
    }
    outcomes.push(outcome);
    report(outcome);
  }
  return outcomes;
}

/** Puts one carrier event on the deployment's bus; throws when EventBridge refuses it. */
async function putCarrierEvent(target: SmokeTarget, detailType: string, detail: unknown): Promise<void> {
  const output = await target.events.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: target.eventBusName,
          Source: target.eventSource,
          DetailType: detailType,
          Detail: JSON.stringify(detail),
        },
      ],
    }),
  );
  const [entry] = output.Entries ?? [];
  if (output.FailedEntryCount || !entry?.EventId)
    throw new Error(
      `PutEvents refused ${detailType}: ${entry?.ErrorCode ?? 'no event id'} ${entry?.ErrorMessage ?? ''}`,
    );
}

async function ship(target: SmokeTarget, state: RunState): Promise<string> {
  await putCarrierEvent(target, DetailType.ParcelShipped, {
    ...ParcelShippedDetailExample,
    parcelId: state.parcelId,
    orderId: `O-${state.parcelId}`,
    recipient: { ...ParcelShippedDetailExample.recipient, email: state.recipient, name: 'Smoke Test' },
    // Far above any value threshold a deployment would set: this parcel needs a code.
    declaredValue: { amount: 99_999_999, currency: ParcelShippedDetailExample.declaredValue.currency },
    expectedDeliveryDate: state.today,
  });
  return `parcel ${state.parcelId} to ${state.recipient}, delivery ${state.today}`;
}

/** Track Package as the shop backend asks it: SigV4 (execute-api), the recipient in `x-recipient-email`. */
async function track(target: SmokeTarget, state: RunState): Promise<Answer> {
  const url = new URL(routePath(TRACK_PATH, { parcelId: state.parcelId }), target.apiUrl);
  const headers = { host: url.host, 'x-recipient-email': state.recipient };
  const signed = await target.recipientSigner.sign({
    method: 'GET',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    headers,
  });
  return answerOf(await fetch(url, { method: 'GET', headers: signed.headers }));
}

async function verify(target: SmokeTarget, state: RunState, code: string): Promise<Answer> {
  const url = new URL(routePath(VERIFY_PATH, { parcelId: state.parcelId }), target.apiUrl);
  return answerOf(
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${state.driver?.accessToken}` },
      body: JSON.stringify({ code }),
    }),
  );
}

async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = { text: text.slice(0, 200) };
  }
  return { status: response.status, body };
}

const describe = (answer: Answer) => `${answer.status} ${JSON.stringify(answer.body)}`;

/** Asks `attempt` again every POLL_MS until it gives a value or the target's timeout passes. */
async function poll<T>(
  target: SmokeTarget,
  attempt: () => Promise<{ done: T } | { last: string }>,
): Promise<T> {
  const deadline = Date.now() + target.timeoutMs;
  for (;;) {
    const result = await attempt();
    if ('done' in result) return result.done;
    if (Date.now() > deadline)
      throw new Error(`not within ${Math.round(target.timeoutMs / 1000)} s; last: ${result.last}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function waitForDeliveredEmail(target: SmokeTarget, state: RunState): Promise<string> {
  const body = await poll<Record<string, unknown>>(target, async () => {
    const answer = await track(target, state);
    const delivery = answer.body.delivery as { email?: string } | undefined;
    // 404 until the workflow has issued the code; then SENT, then SES's report makes it DELIVERED.
    if (answer.status === 200 && delivery?.email === 'DELIVERED') return { done: answer.body };
    if (answer.status !== 200 && answer.status !== 404)
      throw new Error(`Track Package answered ${describe(answer)}`);
    return { last: answer.status === 200 ? `email ${delivery?.email}` : describe(answer) };
  });
  if (typeof body.code !== 'string' || !/^\d{6}$/.test(body.code))
    throw new Error('Track Package showed no 6-digit code');
  state.code = body.code;
  return `Track Package: email DELIVERED, code valid until ${String(body.validUntil)}`;
}

async function bindDriver(target: SmokeTarget, state: RunState, runId: string): Promise<string> {
  state.driver = await target.drivers.create(runId);
  await putCarrierEvent(target, DetailType.ParcelOutForDelivery, {
    parcelId: state.parcelId,
    driverId: state.driver.driverId,
    deliveryDate: state.today,
  });
  return `driver ${state.driver.driverId}, Parcel Out For Delivery put`;
}

/** A code that is not `code`: each digit moved by one. */
const wrongCodeFor = (code: string) => code.replace(/\d/g, (digit) => String((Number(digit) + 1) % 10));

async function verifyWrongCode(target: SmokeTarget, state: RunState): Promise<string> {
  const answer = await poll<Answer>(target, async () => {
    const attempt = await verify(target, state, wrongCodeFor(state.code ?? '000000'));
    // 403 NOT_ASSIGNED until the Out For Delivery event has bound the driver.
    if (attempt.status === 403 && attempt.body.code === 'NOT_ASSIGNED') return { last: describe(attempt) };
    return { done: attempt };
  });
  if (answer.status !== 422) throw new Error(`expected 422, got ${describe(answer)}`);
  return `422 ${String(answer.body.code)}, attempts left ${String(answer.body.attemptsRemaining ?? '?')}`;
}

async function verifyRightCode(target: SmokeTarget, state: RunState): Promise<string> {
  const answer = await verify(target, state, state.code ?? '');
  if (answer.status !== 200) throw new Error(`expected 200, got ${describe(answer)}`);
  return `200, handed over at ${String(answer.body.verifiedAt ?? '?')}`;
}

async function handoverRecorded(target: SmokeTarget, state: RunState): Promise<string> {
  const answer = await track(target, state);
  if (answer.status !== 409 || answer.body.code !== 'ALREADY_VERIFIED')
    throw new Error(`expected Track Package to answer 409 ALREADY_VERIFIED, got ${describe(answer)}`);
  return 'Track Package: 409 ALREADY_VERIFIED';
}

async function cleanUp(target: SmokeTarget, state: RunState): Promise<string> {
  const done: string[] = [];
  const problems: string[] = [];
  try {
    await putCarrierEvent(target, DetailType.ShipmentCancelled, { parcelId: state.parcelId });
    done.push(`Shipment Cancelled put for ${state.parcelId}`);
  } catch (error) {
    problems.push(`cancelling ${state.parcelId}: ${error instanceof Error ? error.message : error}`);
  }
  try {
    done.push(await target.drivers.remove());
  } catch (error) {
    problems.push(`removing the driver: ${error instanceof Error ? error.message : error}`);
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  return done.join(', ');
}
