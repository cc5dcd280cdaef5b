/**
 * One in-process sandbox per test file, on free ports with short retry waits, driven only through AWS
 * SDK clients, HTTP and the fault proxies. Every line the process prints (sandbox log, handler logs on
 * stdout and stderr) is captured and kept out of the test output.
 */
import {
  type AttributeValue,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand, GenerateMacCommand, KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { codeMacMessage } from '../../lambdas/domain/otp-code.ts';
import { codeFromEmail, otpTableName, SandboxClient, shippedDetail } from '../../sandbox/app/client.ts';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../sandbox/app/sandbox.ts';

export type Item = Record<string, AttributeValue>;

/** What a test file works with. */
export interface Harness {
  readonly sandbox: Sandbox;
  readonly client: SandboxClient;
  readonly ddb: DynamoDBClient;
  readonly sfn: SFNClient;
  readonly secrets: SecretsManagerClient;
  readonly kms: KMSClient;
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

/** Boots the sandbox on free ports with short retry waits and captures every line printed meanwhile into `logs`. */
export async function startHarness(
  logs: string[] = [],
  /** `ports`: fixed ports let several sandboxes in one file run one after another (shared SDK clients keep their endpoint). */
  options: Pick<SandboxOptions, 'template' | 'ports' | 'drivers'> = {},
): Promise<Harness> {
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
      ports: { api: 0, aws: 0 },
      retryDelayMs: 5,
      write: (line) => logs.push(line),
      ...options,
    });
    const { endpoints } = sandbox;
    const config = { region: endpoints.region, credentials: endpoints.credentials };
    // Reads go straight to dynalite, not through the handlers' fault proxy, so injected faults never hide state.
    const ddb = new DynamoDBClient({ ...config, endpoint: endpoints.dynamodbEndpoint });
    const sfn = new SFNClient({ ...config, endpoint: endpoints.stepFunctionsEndpoint });
    const secrets = new SecretsManagerClient({ ...config, endpoint: endpoints.secretsManagerEndpoint });
    const kms = new KMSClient({ ...config, endpoint: endpoints.kmsEndpoint });
    const tableName = await otpTableName(ddb);
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
      kms,
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

/**
 * The hash the stack stores for `code` on `parcelId`: KMS GenerateMac under the template's HMAC key (found
 * through ListKeys and DescribeKey), over the same message the handlers send.
 */
export async function codeHashOf(h: Harness, parcelId: string, code: string): Promise<string> {
  const keys = (await h.kms.send(new ListKeysCommand({}))).Keys ?? [];
  const described = await Promise.all(
    keys.map((key) => h.kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }))),
  );
  const hmacKeys = described.filter((output) => output.KeyMetadata?.KeyUsage === 'GENERATE_VERIFY_MAC');
  if (hmacKeys.length !== 1) throw new Error(`expected one HMAC key, found ${hmacKeys.length}`);
  const output = await h.kms.send(
    new GenerateMacCommand({
      KeyId: hmacKeys[0]?.KeyMetadata?.Arn,
      MacAlgorithm: 'HMAC_SHA_256',
      Message: codeMacMessage(parcelId, code),
    }),
  );
  return Buffer.from(output.Mac ?? []).toString('hex');
}

/** The parcel's item as DynamoDB holds it now (strongly consistent), or undefined. */
export async function itemOf(h: Harness, parcelId: string): Promise<Item | undefined> {
  const output = await h.ddb.send(
    new GetItemCommand({ TableName: h.tableName, Key: { parcelId: { S: parcelId } }, ConsistentRead: true }),
  );
  return output.Item;
}

/** Bus events of `detailType` for `parcelId`, as the sandbox's inspection endpoint lists them. */
export async function busEventsFor(
  h: Pick<Harness, 'client'>,
  detailType: string,
  parcelId: string,
): Promise<Record<string, unknown>[]> {
  return (await h.client.busEvents())
    .filter((event) => event['detail-type'] === detailType && event.detail.parcelId === parcelId)
    .map((event) => event.detail);
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

/** The SMS the sandbox's SMS endpoint took for `phone`, oldest first. */
export async function textsTo(
  sandbox: Sandbox,
  phone: string,
): Promise<{ destinationPhoneNumber: string; messageBody: string }[]> {
  const messages = (await (await fetch(sandbox.endpoints.smsInboxUrl)).json()) as {
    destinationPhoneNumber: string;
    messageBody: string;
  }[];
  return messages.filter((message) => message.destinationPhoneNumber === phone);
}

/**
 * Sets (and removes) attributes of a parcel's code item through DynamoDB's API, as an outside caller:
 * for states the sandbox cannot reach on its own at a chosen moment.
 */
export async function writeCodeItem(
  sandbox: Sandbox,
  parcelId: string,
  fields: { readonly set: Record<string, AttributeValue>; readonly remove?: readonly string[] },
): Promise<void> {
  const { endpoints } = sandbox;
  const ddb = new DynamoDBClient({
    region: endpoints.region,
    credentials: endpoints.credentials,
    endpoint: endpoints.dynamodbEndpoint,
  });
  const names = Object.keys(fields.set);
  try {
    await ddb.send(
      new UpdateItemCommand({
        TableName: await otpTableName(ddb),
        Key: { parcelId: { S: parcelId } },
        UpdateExpression:
          `SET ${names.map((_name, index) => `#s${index} = :s${index}`).join(', ')}` +
          (fields.remove?.length ? ` REMOVE ${fields.remove.join(', ')}` : ''),
        ExpressionAttributeNames: Object.fromEntries(names.map((name, index) => [`#s${index}`, name])),
        ExpressionAttributeValues: Object.fromEntries(
          names.map((name, index) => [`:s${index}`, fields.set[name] as AttributeValue]),
        ),
      }),
    );
  } finally {
    ddb.destroy();
  }
}

/**
 * Leaves a parcel's code email in the state SES's `DeliveryDelay` event leaves it (DELAYED, in the
 * delayed index since `minutesAgo`): SES's mailbox simulator has no address whose mail is delayed.
 */
export function markEmailDelayed(sandbox: Sandbox, parcelId: string, minutesAgo: number): Promise<void> {
  return writeCodeItem(sandbox, parcelId, {
    set: {
      emailDelivery: { S: 'DELAYED' },
      emailDeliveryRank: { N: '2' },
      delayedShard: { S: 'DELAYED' },
      delayedAt: { N: String(Math.floor(Date.now() / 1000) - minutesAgo * 60) },
    },
  });
}

/** Runs the stack's scheduled rules now (the sandbox-only trigger) and waits for what they started. */
export async function runSchedules(sandbox: Sandbox): Promise<void> {
  await fetch(new URL('/_sandbox/schedules/run', sandbox.endpoints.eventsEndpoint), { method: 'POST' });
  await sandbox.settled();
}
