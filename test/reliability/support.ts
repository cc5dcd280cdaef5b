/**
 * Shared harness of the reliability suite: one in-process sandbox per test file, driven only through AWS
 * SDK clients (EventBridge, DynamoDB, Step Functions, Secrets Manager), HTTP and the fault proxies.
 * Every line the process prints (sandbox log, handler logs on stdout and stderr) is captured.
 */
import { createHash } from 'node:crypto';
import {
  type AttributeValue,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { codeFromEmail, SandboxClient, shippedDetail } from '../../sandbox/client.ts';
import { type Sandbox, startSandbox } from '../../sandbox/sandbox.ts';

export type Item = Record<string, AttributeValue>;

/** What a test file works with. */
export interface Harness {
  readonly sandbox: Sandbox;
  readonly client: SandboxClient;
  readonly ddb: DynamoDBClient;
  readonly sfn: SFNClient;
  readonly secrets: SecretsManagerClient;
  /** Every captured line, in order: sandbox log lines and whatever the process wrote to stdout/stderr. */
  readonly logs: string[];
  readonly tableName: string;
  readonly stateMachineArn: string;
  stop(): Promise<void>;
}

const originalStdout = process.stdout.write.bind(process.stdout);
const originalStderr = process.stderr.write.bind(process.stderr);

/** Prints one figure line to the real stdout (the capture swallows everything else). */
export function printFigure(line: string): void {
  originalStdout(`${line}\n`);
}

const chunkText = (chunk: unknown): string =>
  typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');

/** Boots the sandbox on free ports with short retry waits and captures every line printed meanwhile. */
export async function startHarness(): Promise<Harness> {
  const logs: string[] = [];
  // Handlers log through Powertools to stdout; keep every chunk, split into lines, and print none of it.
  const capture = (chunk: unknown, ...rest: unknown[]): boolean => {
    for (const line of chunkText(chunk).split('\n')) if (line !== '') logs.push(line);
    const callback = rest.find((value) => typeof value === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  try {
    const sandbox = await startSandbox({
      ports: { api: 0, aws: 0, dynamodb: 0, ses: 0 },
      retryDelayMs: 5,
      write: (line) => logs.push(line),
    });
    const { endpoints } = sandbox;
    const config = { region: endpoints.region, credentials: endpoints.credentials };
    // Reads go straight to dynalite, not through the handlers' fault proxy, so injected faults never hide state.
    const ddb = new DynamoDBClient({ ...config, endpoint: endpoints.dynamodbEndpoint });
    const sfn = new SFNClient({ ...config, endpoint: endpoints.stepFunctionsEndpoint });
    const secrets = new SecretsManagerClient({ ...config, endpoint: endpoints.secretsManagerEndpoint });
    const tables = (await ddb.send(new ListTablesCommand({}))).TableNames ?? [];
    const tableName = tables.find((name) => name.startsWith('OtpTable'));
    if (!tableName) throw new Error(`No OtpTable among ${tables.join(', ')}`);
    const machines = (await sfn.send(new ListStateMachinesCommand({}))).stateMachines ?? [];
    const machine =
      machines.find((candidate) => /Issuing/i.test(candidate.stateMachineArn ?? '')) ?? machines[0];
    if (!machine?.stateMachineArn) throw new Error('No state machine');
    return {
      sandbox,
      client: new SandboxClient(endpoints),
      ddb,
      sfn,
      secrets,
      logs,
      tableName,
      stateMachineArn: machine.stateMachineArn,
      stop: async () => {
        try {
          await sandbox.stop();
        } finally {
          process.stdout.write = originalStdout;
          process.stderr.write = originalStderr;
        }
      },
    };
  } catch (error) {
    process.stdout.write = originalStdout;
    process.stderr.write = originalStderr;
    throw error;
  }
}

/** The parcel's item as DynamoDB holds it now (strongly consistent), or undefined. */
export async function itemOf(h: Harness, parcelId: string): Promise<Item | undefined> {
  const output = await h.ddb.send(
    new GetItemCommand({ TableName: h.tableName, Key: { parcelId: { S: parcelId } }, ConsistentRead: true }),
  );
  return output.Item;
}

/** Number of items in the OTP table. */
export async function itemCount(h: Harness): Promise<number> {
  let count = 0;
  let start: Item | undefined;
  do {
    const page = await h.ddb.send(
      new ScanCommand({ TableName: h.tableName, Select: 'COUNT', ExclusiveStartKey: start }),
    );
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return count;
}

/** Number of emails the SES emulator holds, all recipients together. */
export async function emailCount(h: Harness): Promise<number> {
  const response = await fetch(`${h.sandbox.endpoints.sesEndpoint}/store`);
  return ((await response.json()) as { emails: unknown[] }).emails.length;
}

export const num = (value: AttributeValue | undefined): number | undefined =>
  value?.N === undefined ? undefined : Number(value.N);

/** Descriptions of executions not seen before (ListExecutions + DescribeExecution), in no given order. */
export async function newExecutions(
  h: Harness,
  seen: Set<string>,
): Promise<DescribeExecutionCommandOutput[]> {
  const listed = await h.sfn.send(new ListExecutionsCommand({ stateMachineArn: h.stateMachineArn }));
  const fresh = (listed.executions ?? []).filter(
    (execution) => execution.executionArn && !seen.has(execution.executionArn),
  );
  for (const execution of fresh) seen.add(execution.executionArn as string);
  return Promise.all(
    fresh.map((execution) =>
      h.sfn.send(new DescribeExecutionCommand({ executionArn: execution.executionArn })),
    ),
  );
}

/** The event an execution was started with. */
export function executionEvent(execution: DescribeExecutionCommandOutput): {
  id?: string;
  detail?: Record<string, unknown>;
} {
  try {
    return JSON.parse(execution.input ?? '{}');
  } catch {
    return {};
  }
}

/** Every execution started for `parcelId` so far. */
export async function executionsFor(h: Harness, parcelId: string): Promise<DescribeExecutionCommandOutput[]> {
  const all = await newExecutions(h, new Set());
  return all.filter((execution) => executionEvent(execution).detail?.parcelId === parcelId);
}

/** Bus events of `detailType` for `parcelId`, as the sandbox's inspection endpoint lists them. */
export async function busEventsFor(
  h: Harness,
  detailType: string,
  parcelId: string,
): Promise<Record<string, unknown>[]> {
  return (await h.client.busEvents())
    .filter((event) => event['detail-type'] === detailType && event.detail.parcelId === parcelId)
    .map((event) => event.detail);
}

/** PutEvents of raw `Parcel Shipped` details in one call; returns each entry's event id or error code. */
export async function putShipped(
  h: Harness,
  details: unknown[],
): Promise<{ eventId?: string; errorCode?: string }[]> {
  const { endpoints } = h.sandbox;
  const output = await h.client.events.send(
    new PutEventsCommand({
      Entries: details.map((detail) => ({
        EventBusName: endpoints.eventBusName,
        Source: endpoints.eventSource,
        DetailType: 'Parcel Shipped',
        Detail: JSON.stringify(detail),
      })),
    }),
  );
  return (output.Entries ?? []).map((entry) => ({
    ...(entry.EventId ? { eventId: entry.EventId } : {}),
    ...(entry.ErrorCode ? { errorCode: entry.ErrorCode } : {}),
  }));
}

export const recipientOf = (detail: Record<string, unknown>): string =>
  (detail.recipient as { email: string }).email;

/** Ships a high-value parcel and waits until its workflow is done; returns the detail and its emails. */
export async function ship(h: Harness, parcelId: string, overrides: Record<string, unknown> = {}) {
  const detail = shippedDetail(parcelId, overrides);
  await h.client.publish([{ detailType: 'Parcel Shipped', detail }]);
  await h.sandbox.settled();
  const recipient = recipientOf(detail);
  return { detail, recipient, emails: await h.client.emailsTo(recipient) };
}

/** Publishes `Parcel Out For Delivery` binding the parcel to `driverId` and waits until it is applied. */
export async function outForDelivery(h: Harness, parcelId: string, driverId: string): Promise<void> {
  const deliveryDate = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  await h.client.publish([
    { detailType: 'Parcel Out For Delivery', detail: { parcelId, driverId, deliveryDate } },
  ]);
  await h.sandbox.settled();
}

/** Ships a high-value parcel, binds it to `driverId`; returns its code, recipient and the driver's token. */
export async function readyForHandover(h: Harness, parcelId: string, driverId: string) {
  const { emails, recipient, detail } = await ship(h, parcelId);
  const code = codeFromEmail(emails[0]?.text ?? '');
  if (!code || emails.length !== 1)
    throw new Error(`expected one code email for ${parcelId}, got ${emails.length}`);
  await outForDelivery(h, parcelId, driverId);
  return { code, recipient, detail, token: await h.client.driverToken(driverId) };
}

/** A well-formed code that is certainly not `code`. */
export const wrongCodeFor = (code: string, offset = 1): string =>
  String((Number(code) + offset) % 1_000_000).padStart(6, '0');

/** An HTTP answer: status, headers, body text and the body parsed as JSON when it is JSON. */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown> | undefined;
}

/** POSTs to `path` on the sandbox API and reads the whole answer. */
export async function post(
  h: Harness,
  path: string,
  body: string | Uint8Array | undefined,
  headers: Record<string, string>,
): Promise<Answer> {
  const response = await fetch(`${h.sandbox.endpoints.apiUrl}${path}`, { method: 'POST', headers, body });
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      json = parsed as Record<string, unknown>;
    }
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** `POST /parcels/{parcelId}/verify` with a JSON body and a bearer token. */
export function verify(h: Harness, parcelId: string, code: string, token: string): Promise<Answer> {
  return post(h, `/parcels/${encodeURIComponent(parcelId)}/verify`, JSON.stringify({ code }), {
    'content-type': 'application/json',
    authorization: `Bearer ${token}`,
  });
}

/** Counts answers by status. */
export function byStatus(answers: readonly { status: number }[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const { status } of answers) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

/**
 * The CloudFormation logical id CDK gives the L1 resource at `path` inside the stack (human part without
 * `Resource`, then the first 8 hex digits of the MD5 of the path, upper case). The sandbox names each
 * secret by its logical id and implements no ListSecrets, so this is how a test finds the secret by name.
 */
export function cdkLogicalId(path: readonly string[]): string {
  const human = path
    .filter((part) => part !== 'Resource')
    .map((part) => part.replace(/[^A-Za-z0-9]/g, ''))
    .join('');
  const hash = createHash('md5').update(path.join('/')).digest('hex').slice(0, 8).toUpperCase();
  return `${human}${hash}`;
}

/** The secret string of the stack's `Secrets/<name>` secret, through Secrets Manager GetSecretValue. */
export async function secretString(h: Harness, name: 'HashKey' | 'EncryptionKey'): Promise<string> {
  const output = await h.secrets.send(
    new GetSecretValueCommand({ SecretId: cdkLogicalId(['Secrets', name, 'Resource']) }),
  );
  if (!output.SecretString || !output.Name?.includes(name)) throw new Error(`No ${name} secret`);
  return output.SecretString;
}

/** Parses captured lines that are JSON objects (the handlers' structured logs). */
export function structuredLogs(lines: readonly string[]): Record<string, unknown>[] {
  const parsed: Record<string, unknown>[] = [];
  for (const line of lines) {
    const start = line.indexOf('{');
    if (start === -1) continue;
    try {
      const value: unknown = JSON.parse(line.slice(start));
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        parsed.push(value as Record<string, unknown>);
      }
    } catch {
      // not a structured line
    }
  }
  return parsed;
}

export { codeFromEmail, shippedDetail };
