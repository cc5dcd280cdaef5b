import { DynamoDBClient, GetItemCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { codeFromEmail, SandboxClient, shippedDetail } from '../../sandbox/client.ts';
import { type Sandbox, startSandbox } from '../../sandbox/sandbox.ts';

/** A sandbox booted in-process on free ports for one test file, and what a carrier and driver do with it. */
export interface E2eHarness {
  readonly sandbox: Sandbox;
  readonly client: SandboxClient;
  /** Every line printed while the file ran: sandbox log and handler logs alike. */
  readonly logLines: string[];
  /** Ships a parcel and waits for the workflow; returns the recipient and their emails. */
  ship(
    parcelId: string,
    overrides?: Record<string, unknown>,
  ): Promise<{ recipient: string; emails: Email[] }>;
  /** Publishes carrier events and waits until everything they started has finished. */
  publish(detailType: string, detail: Record<string, unknown>): Promise<void>;
  /** Ships a high-value parcel, binds it to `driverId`; returns its code, recipient and the driver's token. */
  readyForHandover(
    parcelId: string,
    driverId?: string,
  ): Promise<{ code: string; recipient: string; token: string }>;
  /** The parcel's item as DynamoDB holds it. */
  item(parcelId: string): Promise<Record<string, { S?: string; N?: string }> | undefined>;
}

type Email = { subject: string; text: string; html: string };

/** A code that is certainly not `code`. */
export const wrongCodeFor = (code: string): string => (code === '000000' ? '111111' : '000000');

/** Registers beforeAll/afterAll that boot and stop a sandbox; use the returned harness inside tests. */
export function useSandbox(): E2eHarness {
  const logLines: string[] = [];
  const originalWrite = process.stdout.write.bind(process.stdout);
  const state: { sandbox?: Sandbox; client?: SandboxClient; ddb?: DynamoDBClient; table?: string } = {};

  beforeAll(async () => {
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      logLines.push(String(chunk));
      return (originalWrite as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
    state.sandbox = await startSandbox({
      ports: { api: 0, aws: 0, dynamodb: 0, ses: 0 },
      retryDelayMs: 5,
      write: (line) => logLines.push(line),
    });
    state.client = new SandboxClient(state.sandbox.endpoints);
    const { endpoints } = state.sandbox;
    state.ddb = new DynamoDBClient({
      endpoint: endpoints.dynamodbEndpoint,
      region: endpoints.region,
      credentials: endpoints.credentials,
    });
    state.table = ((await state.ddb.send(new ListTablesCommand({}))).TableNames ?? []).find((name) =>
      name.startsWith('OtpTable'),
    );
  }, 60_000);

  afterAll(async () => {
    await state.sandbox?.stop();
    process.stdout.write = originalWrite;
  });

  const harness: E2eHarness = {
    get sandbox() {
      return state.sandbox as Sandbox;
    },
    get client() {
      return state.client as SandboxClient;
    },
    logLines,
    async publish(detailType, detail) {
      await harness.client.publish([{ detailType, detail }]);
      await harness.sandbox.settled();
    },
    async ship(parcelId, overrides = {}) {
      const detail = shippedDetail(parcelId, overrides);
      await harness.publish('Parcel Shipped', detail);
      const recipient = (detail.recipient as { email: string }).email;
      return { recipient, emails: await harness.client.emailsTo(recipient) };
    },
    async readyForHandover(parcelId, driverId = 'D-1') {
      const { emails, recipient } = await harness.ship(parcelId);
      const code = codeFromEmail(emails[0]?.text ?? '');
      if (!code) throw new Error('no code emailed');
      await harness.publish('Parcel Out For Delivery', { parcelId, driverId, deliveryDate: '2026-12-01' });
      return { code, recipient, token: await harness.client.driverToken(driverId) };
    },
    async item(parcelId) {
      const output = await (state.ddb as DynamoDBClient).send(
        new GetItemCommand({ TableName: state.table, Key: { parcelId: { S: parcelId } } }),
      );
      return output.Item as Record<string, { S?: string; N?: string }> | undefined;
    },
  };
  return harness;
}
