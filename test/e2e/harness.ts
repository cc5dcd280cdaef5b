import { afterAll, beforeAll } from 'vitest';
import type { SandboxClient } from '../../sandbox/app/client.ts';
import type { Sandbox, SandboxOptions } from '../../sandbox/app/sandbox.ts';
import type { LocalEventBus } from '../../sandbox/emulators/eventbridge/bus.ts';
import type { Fault, FaultProxy } from '../../sandbox/emulators/fault-proxy.ts';
import {
  codeHashOf,
  type Harness,
  type Item,
  itemOf,
  readyForHandover,
  ship,
  startHarness,
  wrongCodeFor,
} from '../support/sandbox-harness.ts';

/** A sandbox booted in-process on free ports for one test file, and what a carrier and driver do with it. */
export interface E2eHarness {
  readonly sandbox: Sandbox;
  readonly client: SandboxClient;
  /** Every line printed while the file ran: sandbox log and handler logs alike. */
  readonly logLines: string[];
  /** Ships a parcel and waits for the workflow; returns the recipient and their emails. */
  ship(parcelId: string, overrides?: Record<string, unknown>): ReturnType<typeof ship>;
  /** Publishes one carrier event and waits until everything it started has finished. */
  publish(detailType: string, detail: Record<string, unknown>): Promise<void>;
  /** Ships a high-value parcel, binds it to `driverId`; returns its code, recipient and the driver's token. */
  readyForHandover(parcelId: string, driverId?: string): ReturnType<typeof readyForHandover>;
  /** The parcel's item as DynamoDB holds it. */
  item(parcelId: string): Promise<Item | undefined>;
  /** The hash the stack stores for `code`: KMS GenerateMac under the template's key, through the SDK. */
  codeHashOf(parcelId: string, code: string): Promise<string>;
}

export { wrongCodeFor };

/** A recipient whose code email bounces (the SES mailbox simulator), with a phone: the code goes by SMS. */
export function bouncingRecipientWithPhone(label: string, phone: string) {
  return {
    email: `bounce+${label.toLowerCase()}@simulator.amazonses.com`,
    name: 'Alex Example',
    locale: 'de-DE',
    phone,
  };
}

/** Runs `run` while `proxy` answers every matching request with `fault`, clearing it however `run` ends. */
export async function whileFaulty<T>(
  proxy: Pick<FaultProxy, 'inject' | 'clear'>,
  fault: Omit<Fault, 'times'>,
  run: () => Promise<T>,
): Promise<T> {
  proxy.inject({ ...fault, times: Number.POSITIVE_INFINITY });
  try {
    return await run();
  } finally {
    proxy.clear();
  }
}

/** Runs `run` while the bus fails every `detailType` entry with InternalFailure, clearing it however `run` ends. */
export async function whileBusRefuses<T>(
  bus: Pick<LocalEventBus, 'failEntries' | 'clearEntryFailures'>,
  detailType: string,
  run: () => Promise<T>,
): Promise<T> {
  bus.failEntries({ detailType, errorCode: 'InternalFailure', times: Number.POSITIVE_INFINITY });
  try {
    return await run();
  } finally {
    bus.clearEntryFailures();
  }
}

/** Registers beforeAll/afterAll that boot and stop a sandbox; use the returned harness inside tests. */
export function useSandbox(options: Pick<SandboxOptions, 'drivers'> = {}): E2eHarness {
  const logLines: string[] = [];
  let harness: Harness | undefined;
  const started = (): Harness => {
    if (!harness) throw new Error('the sandbox is not running (use the harness inside tests)');
    return harness;
  };

  beforeAll(async () => {
    harness = await startHarness(logLines, options);
  }, 60_000);

  afterAll(async () => {
    await harness?.stop();
  });

  return {
    get sandbox() {
      return started().sandbox;
    },
    get client() {
      return started().client;
    },
    logLines,
    async publish(detailType, detail) {
      await started().client.publish([{ detailType, detail }]);
      await started().sandbox.settled();
    },
    ship: (parcelId, overrides = {}) => ship(started(), parcelId, overrides),
    readyForHandover: (parcelId, driverId = 'D-1') => readyForHandover(started(), parcelId, driverId),
    item: (parcelId) => itemOf(started(), parcelId),
    codeHashOf: (parcelId, code) => codeHashOf(started(), parcelId, code),
  };
}
