import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { shippedDetail } from '../../sandbox/app/client.ts';
import { secureDeliveryHandlers } from '../../sandbox/app/handlers.ts';
import { synthesizeTemplate } from '../../sandbox/app/synth.ts';
import { type LocalDynamoDb, startDynamoDb } from '../../sandbox/emulators/dynamodb.ts';
import { LocalFunctions } from '../../sandbox/emulators/functions.ts';
import { SandboxLog } from '../../sandbox/emulators/log.ts';
import { LocalStepFunctions } from '../../sandbox/emulators/stepfunctions.ts';
import { TemplateResolver } from '../../sandbox/emulators/template.ts';
import { answerGenerateMac } from '../handlers/support.ts';

// The synthesized definition runs as is; DynamoDB is dynalite, SES, Secrets Manager and KMS are mocked
// here so each test can script SES's answers.
const env = { region: 'eu-central-1', accountId: '000000000000', stackName: 'WorkflowTest' };
const ses = mockClient(SESClient);
const secrets = mockClient(SecretsManagerClient);
const kms = mockClient(KMSClient);
let dynamodb: LocalDynamoDb;
let ddb: DynamoDBClient;
let workflow: LocalStepFunctions;
let tableName: string;
const emitted: { DetailType?: string; Detail?: unknown }[] = [];
/** When set, the send function fails with this error instead of running (a defect, a Lambda failure). */
let sendFunctionCrash: Error | undefined;

beforeAll(async () => {
  const resolver = new TemplateResolver(synthesizeTemplate(env), env);
  const log = new SandboxLog(() => undefined);
  dynamodb = await startDynamoDb(resolver, { port: 0, log });
  Object.assign(process.env, {
    AWS_REGION: env.region,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
  });
  ddb = new DynamoDBClient({ endpoint: dynamodb.endpoint });
  tableName = resolver.ref(resolver.resourcesOfType('AWS::DynamoDB::Table')[0]?.[0] as string);
  const functions = new LocalFunctions(resolver, secureDeliveryHandlers, log);
  const sendFunctionId = resolver
    .resourcesOfType('AWS::Lambda::Function')
    .find(([, fn]) => JSON.stringify(fn.Properties?.Environment).includes('"send-otp-email"'))?.[0];
  workflow = new LocalStepFunctions(
    resolver,
    {
      invokeFunction: async (id, payload) => {
        if (id === sendFunctionId && sendFunctionCrash) throw sendFunctionCrash;
        return functions.invoke(id, payload);
      },
      putEvents: (entries) => {
        emitted.push(...entries);
        return { FailedEntryCount: 0, Entries: entries.map(() => ({ EventId: 'e' })) };
      },
    },
    { log, retryDelayMs: 1 },
  );
});

afterAll(async () => {
  await dynamodb?.stop();
  ses.restore();
  secrets.restore();
  kms.restore();
});

beforeEach(() => {
  ses.reset();
  secrets.reset();
  secrets.on(GetSecretValueCommand).resolves({ SecretString: 'k'.repeat(64) });
  kms.reset();
  answerGenerateMac(kms);
  emitted.length = 0;
  sendFunctionCrash = undefined;
});

const sesError = (name: string, status: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

async function runShipped(parcelId: string, overrides: Record<string, unknown> = {}) {
  const arn = workflow.stateMachineArns.find((candidate) => candidate.includes('Issuing'));
  const event = {
    version: '0',
    id: `evt-${parcelId}`,
    'detail-type': 'Parcel Shipped',
    source: 'carrier.dispatch',
    account: env.accountId,
    time: new Date().toISOString(),
    region: env.region,
    resources: [],
    detail: shippedDetail(parcelId, overrides),
  };
  const execution = workflow.startExecution(arn as string, event);
  await execution.done;
  return execution;
}

const item = async (parcelId: string) =>
  (await ddb.send(new GetItemCommand({ TableName: tableName, Key: { parcelId: { S: parcelId } } }))).Item;

describe('issuing workflow (synthesized definition, real handlers)', () => {
  it('issues, emails once and emits Delivery Otp Issued without the code', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });

    const execution = await runShipped('WF-OK-1');

    expect(execution.status).toBe('SUCCEEDED');
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
    expect(emitted.map((entry) => entry.DetailType)).toEqual(['Delivery Otp Issued']);
    expect((await item('WF-OK-1'))?.emailStatus?.S).toBe('SENT');
    // Past the issue step the state holds ids only: no recipient address reaches the later steps.
    expect(execution.output).not.toContain('@example.com');
  });

  it('retries SES throttling with backoff and still sends exactly one email', async () => {
    ses
      .on(SendEmailCommand)
      .rejectsOnce(sesError('Throttling', 400))
      .rejectsOnce(sesError('ServiceUnavailable', 503))
      .resolves({ MessageId: 'm-2' });

    const execution = await runShipped('WF-RETRY-1');

    expect(execution.status).toBe('SUCCEEDED');
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(3);
    expect(emitted.filter((entry) => entry.DetailType === 'Delivery Otp Issued')).toHaveLength(1);
  });

  it('fails visibly and emits Delivery Otp Email Failed when SES rejects the message, keeping the record intact', async () => {
    ses.on(SendEmailCommand).rejects(sesError('MessageRejected', 400));

    const execution = await runShipped('WF-REJECT-1');

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('EmailFailed');
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
    const failed = emitted.find((entry) => entry.DetailType === 'Delivery Otp Email Failed');
    expect(failed?.Detail).toMatchObject({ parcelId: 'WF-REJECT-1', error: 'EmailRejectedError' });
    const record = await item('WF-REJECT-1');
    expect(record?.status?.S).toBe('ISSUED');
    expect(record?.emailStatus).toBeUndefined();
  });

  it('gives up after the retry budget when SES keeps failing transiently', async () => {
    ses.on(SendEmailCommand).rejects(sesError('ServiceUnavailable', 503));

    const execution = await runShipped('WF-DOWN-1');

    expect(execution.status).toBe('FAILED');
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(7);
    expect(emitted.map((entry) => entry.DetailType)).toEqual(['Delivery Otp Email Failed']);
  });

  it('puts only the error name and a reason code in Delivery Otp Email Failed: no cause, message or stack trace', async () => {
    // Prepare
    ses.on(SendEmailCommand).rejects(sesError('MessageRejected', 400));

    // Act
    await runShipped('WF-LEAK-REJECT-1');
    const rejected = emitted.find((entry) => entry.DetailType === 'Delivery Otp Email Failed');
    ses.reset();
    ses.on(SendEmailCommand).rejects(sesError('ServiceUnavailable', 503));
    await runShipped('WF-LEAK-DOWN-1');
    const exhausted = emitted.filter((entry) => entry.DetailType === 'Delivery Otp Email Failed')[1];

    // Assess
    expect(rejected?.Detail).toEqual({
      parcelId: 'WF-LEAK-REJECT-1',
      error: 'EmailRejectedError',
      reason: 'EMAIL_REJECTED',
    });
    expect(exhausted?.Detail).toEqual({
      parcelId: 'WF-LEAK-DOWN-1',
      error: 'EmailTransientError',
      reason: 'RETRIES_EXHAUSTED',
    });
  });

  it('reports an unexpected send failure as INTERNAL_ERROR with its name only, never its message or stack', async () => {
    // Prepare
    const crash = Object.assign(new Error('Cannot read properties of undefined (reading alex@example.com)'), {
      name: 'TypeError',
      stack: 'TypeError: Cannot read properties\n    at sendOtpEmail (/var/task/index.mjs:1:2345)',
    });
    sendFunctionCrash = crash;

    // Act
    const execution = await runShipped('WF-LEAK-CRASH-1');

    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('EmailFailed');
    const failed = emitted.find((entry) => entry.DetailType === 'Delivery Otp Email Failed');
    expect(failed?.Detail).toEqual({
      parcelId: 'WF-LEAK-CRASH-1',
      error: 'TypeError',
      reason: 'INTERNAL_ERROR',
    });
    const detail = JSON.stringify(failed?.Detail);
    expect(detail).not.toContain('Cannot read');
    expect(detail).not.toContain('@example.com');
    expect(detail).not.toContain('index.mjs');
    expect(detail).not.toMatch(/Cause/i);
  });

  it('fails a malformed event at the first step with a typed error naming the field, writing and sending nothing but Parcel Event Refused', async () => {
    const execution = await runShipped('WF-BAD-1', {
      recipient: { email: 'not-an-email', name: 'X', locale: 'en-GB' },
    });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('InvalidParcelEventError');
    expect(execution.cause).toContain('detail.recipient.email');
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
    expect(await item('WF-BAD-1')).toBeUndefined();
    expect(emitted).toEqual([
      expect.objectContaining({
        DetailType: 'Parcel Event Refused',
        Detail: {
          parcelId: 'WF-BAD-1',
          refusedDetailType: 'Parcel Shipped',
          reason: 'INVALID_FIELD',
          field: 'detail.recipient.email',
          eventId: 'evt-WF-BAD-1',
        },
      }),
    ]);
    expect(JSON.stringify(emitted)).not.toContain('not-an-email');
  });

  it('answers a Parcel Shipped whose delivery day is over with Parcel Event Refused (DELIVERY_DATE_OVER) and fails with DeliveryDateOutOfRangeError', async () => {
    const execution = await runShipped('WF-LATE-1', { expectedDeliveryDate: '2020-01-01' });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('DeliveryDateOutOfRangeError');
    expect(emitted).toEqual([
      expect.objectContaining({
        DetailType: 'Parcel Event Refused',
        Detail: expect.objectContaining({
          reason: 'DELIVERY_DATE_OVER',
          field: 'detail.expectedDeliveryDate',
        }),
      }),
    ]);
    expect(await item('WF-LATE-1')).toBeUndefined();
  });

  it('emits nothing new for a second Parcel Shipped needing no code for a parcel that has one (no Not Required beside Issued)', async () => {
    // Prepare
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-twice' });
    await runShipped('WF-TWICE-1');
    emitted.length = 0;

    // Act: the carrier ships the same parcel again, now as a partner delivery.
    const execution = await runShipped('WF-TWICE-1', { deliveryPartner: 'PARTNER' });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(emitted).toEqual([]);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
  });

  it('ends as not required for a low-value parcel and says why', async () => {
    const execution = await runShipped('WF-LOW-1', { declaredValue: { amount: 100, currency: 'EUR' } });

    expect(execution.status).toBe('SUCCEEDED');
    expect(emitted).toEqual([
      expect.objectContaining({
        DetailType: 'Delivery Otp Not Required',
        Detail: { parcelId: 'WF-LOW-1', reason: 'BELOW_THRESHOLD' },
      }),
    ]);
    expect(await item('WF-LOW-1')).toBeUndefined();
  });
});
