import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { DeleteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_ENV, type SandboxPorts } from '../../sandbox/app/sandbox.ts';
import { SANDBOX_SENDER_EMAIL, synthesizeAssembly, synthesizeTemplate } from '../../sandbox/app/synth.ts';
import type { FunctionCredentials } from '../../sandbox/emulators/iam.ts';
import type { Template } from '../../sandbox/emulators/template.ts';
import {
  busEventsFor,
  type Harness,
  itemOf,
  outForDelivery,
  readyForHandover,
  ship,
  startHarness,
} from '../support/sandbox-harness.ts';
import { freePorts, roleOfFunction, withoutAction } from '../support/template-mutation.ts';
import { whileBusRefuses } from './harness.ts';

const asClientCredentials = (credentials: FunctionCredentials | undefined) => ({
  accessKeyId: credentials?.AWS_ACCESS_KEY_ID ?? '',
  secretAccessKey: credentials?.AWS_SECRET_ACCESS_KEY ?? '',
  sessionToken: credentials?.AWS_SESSION_TOKEN ?? '',
});

const proxyEndpoint = (server: import('node:http').Server) =>
  `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

/** Boots one sandbox at a time on the same ports (handler modules share SDK clients across boots). */
async function withSandbox<T>(
  ports: SandboxPorts,
  template: string | Template,
  run: (h: Harness, logs: string[]) => Promise<T>,
): Promise<T> {
  const logs: string[] = [];
  const h = await startHarness(logs, { template, ports });
  try {
    return await run(h, logs);
  } finally {
    await h.stop();
  }
}

describe('IAM in the sandbox, from the template', () => {
  let ports: SandboxPorts;
  let template: Template;
  let templateFile: string;
  const scratchDirs: string[] = [];

  beforeAll(async () => {
    ports = await freePorts();
    template = synthesizeTemplate(SANDBOX_ENV);
    // As `npx cdk synth` writes it for another account and region: the manifest beside it names them.
    templateFile = synthesizeAssembly({
      stackName: 'SecureDelivery',
      accountId: '111111111111',
      region: 'us-east-1',
    });
  }, 60_000);

  afterAll(() => {
    for (const dir of [dirname(templateFile), ...scratchDirs]) rmSync(dir, { recursive: true, force: true });
  });

  it('runs a synthesized template file: ship, bind, verify, in the account and region its manifest names', async () => {
    await withSandbox(ports, templateFile, async (h) => {
      // Prepare
      const { code, token } = await readyForHandover(h, 'IAM-FILE-1', 'D-1');

      // Act
      const verified = await h.client.verify('IAM-FILE-1', { code }, token);

      // Assess
      expect(verified.status).toBe(200);
      expect(h.sandbox.endpoints.region).toBe('us-east-1');
      expect(h.sandbox.iam.decisions.some((decision) => decision.resource.includes(':111111111111:'))).toBe(
        true,
      );
    });
  }, 120_000);

  it('answers a function outside its grants with the AccessDenied each service gives, and logs who, what and on which resource', async () => {
    await withSandbox(ports, template, async (h, logs) => {
      // Prepare
      const verify = roleOfFunction(template, /verify-otp/);
      const track = roleOfFunction(template, /track/);
      const asVerify = asClientCredentials(h.sandbox.iam.credentialsOf(verify.functionId));
      const asTrack = asClientCredentials(h.sandbox.iam.credentialsOf(track.functionId));
      const region = h.sandbox.endpoints.region;
      const tableArn = `arn:aws:dynamodb:${region}:000000000000:table/${h.tableName}`;
      const principal = `arn:aws:sts::000000000000:assumed-role/${verify.roleId}/${verify.functionId}`;
      const ddb = new DynamoDBClient({
        region,
        credentials: asVerify,
        endpoint: proxyEndpoint(h.sandbox.faults.dynamodb.server),
        maxAttempts: 1,
      });
      const ses = new SESClient({
        region,
        credentials: asTrack,
        endpoint: proxyEndpoint(h.sandbox.faults.ses.server),
        maxAttempts: 1,
      });
      const events = new EventBridgeClient({
        region,
        credentials: asVerify,
        endpoint: h.sandbox.endpoints.eventsEndpoint,
      });
      const secrets = new SecretsManagerClient({
        region,
        credentials: asVerify,
        endpoint: h.sandbox.endpoints.secretsManagerEndpoint,
      });
      const encryptionSecret = Object.entries(template.Resources).find(
        ([, resource]) =>
          resource.Type === 'AWS::SecretsManager::Secret' &&
          String(resource.Properties?.Description).includes('AES'),
      )?.[0];

      // Act
      const deleted = await ddb
        .send(new DeleteItemCommand({ TableName: h.tableName, Key: { parcelId: { S: 'IAM-DENY-1' } } }))
        .catch((error: Error & { $metadata: { httpStatusCode: number } }) => error);
      const sent = await ses
        .send(
          new SendEmailCommand({
            Source: SANDBOX_SENDER_EMAIL,
            Destination: { ToAddresses: ['someone@example.com'] },
            Message: { Subject: { Data: 'x' }, Body: { Text: { Data: 'x' } } },
          }),
        )
        .catch((error: Error & { $metadata: { httpStatusCode: number } }) => error);
      // One entry of the function's own event and one forged carrier event: the whole call is refused.
      const forged = await events
        .send(
          new PutEventsCommand({
            Entries: [
              {
                EventBusName: h.sandbox.endpoints.eventBusName,
                Source: 'secure-delivery',
                DetailType: 'Parcel Handover Verified',
                Detail: '{}',
              },
              {
                EventBusName: h.sandbox.endpoints.eventBusName,
                Source: h.sandbox.endpoints.eventSource,
                DetailType: 'Parcel Out For Delivery',
                Detail: '{}',
              },
            ],
          }),
        )
        .catch((error: Error & { $metadata: { httpStatusCode: number } }) => error);
      const secret = await secrets
        .send(new GetSecretValueCommand({ SecretId: encryptionSecret }))
        .catch((error: Error & { $metadata: { httpStatusCode: number } }) => error);

      // Assess
      expect(deleted).toMatchObject({
        name: 'AccessDeniedException',
        message: `User: ${principal} is not authorized to perform: dynamodb:DeleteItem on resource: ${tableArn} because no identity-based policy allows the dynamodb:DeleteItem action`,
        $metadata: { httpStatusCode: 400 },
      });
      expect(sent).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
      expect((sent as Error).message).toContain(`perform \`ses:SendEmail' on resource`);
      expect(forged).toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
      expect((forged as Error).message).toContain('events:PutEvents');
      expect(secret).toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
      expect(logs).toContainEqual(
        expect.stringContaining(`AccessDenied ${principal} dynamodb:DeleteItem ${tableArn}`),
      );
      expect(logs).toContainEqual(expect.stringMatching(/AccessDenied \S+ ses:SendEmail \S+/));
      expect(logs).toContainEqual(expect.stringContaining(`AccessDenied ${principal} events:PutEvents`));
      expect(logs).toContainEqual(
        expect.stringContaining(`AccessDenied ${principal} secretsmanager:GetSecretValue`),
      );
    });
  }, 120_000);

  it("refuses a request signed with a function's access key but another secret, as AWS refuses a bad signature", async () => {
    await withSandbox(ports, template, async (h, logs) => {
      // Prepare
      const verify = roleOfFunction(template, /verify-otp/);
      const send = roleOfFunction(template, /send-otp-email/);
      const forged = (credentials: FunctionCredentials | undefined) => ({
        ...asClientCredentials(credentials),
        secretAccessKey: 'guessed-secret',
      });
      const region = h.sandbox.endpoints.region;
      const ddb = new DynamoDBClient({
        region,
        credentials: forged(h.sandbox.iam.credentialsOf(verify.functionId)),
        endpoint: proxyEndpoint(h.sandbox.faults.dynamodb.server),
        maxAttempts: 1,
      });
      const ses = new SESClient({
        region,
        credentials: forged(h.sandbox.iam.credentialsOf(send.functionId)),
        endpoint: proxyEndpoint(h.sandbox.faults.ses.server),
        maxAttempts: 1,
      });
      const events = new EventBridgeClient({
        region,
        credentials: forged(h.sandbox.iam.credentialsOf(verify.functionId)),
        endpoint: h.sandbox.endpoints.eventsEndpoint,
        maxAttempts: 1,
      });

      // Act
      const read = await ddb
        .send(new DeleteItemCommand({ TableName: h.tableName, Key: { parcelId: { S: 'IAM-SIG-1' } } }))
        .catch((error: Error) => error);
      const sent = await ses
        .send(
          new SendEmailCommand({
            Source: SANDBOX_SENDER_EMAIL,
            Destination: { ToAddresses: ['someone@example.com'] },
            Message: { Subject: { Data: 'x' }, Body: { Text: { Data: 'x' } } },
          }),
        )
        .catch((error: Error) => error);
      const put = await events
        .send(
          new PutEventsCommand({
            Entries: [
              {
                EventBusName: h.sandbox.endpoints.eventBusName,
                Source: 'secure-delivery',
                DetailType: 'Parcel Handover Verified',
                Detail: '{}',
              },
            ],
          }),
        )
        .catch((error: Error) => error);

      // Assess
      expect(read).toMatchObject({ name: 'InvalidSignatureException', $metadata: { httpStatusCode: 400 } });
      expect(sent).toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
      expect(put).toMatchObject({ name: 'InvalidSignatureException', $metadata: { httpStatusCode: 400 } });
      expect(await h.client.emailsTo('someone@example.com')).toEqual([]);
      expect(logs.filter((line) => line.includes('InvalidSignature'))).toHaveLength(3);
    });
  }, 120_000);

  it('puts an event the rule may not deliver on its dead-letter queue only when the queue policy allows the rule', async () => {
    // Prepare: without AssignDriver's Lambda permission, the Out For Delivery rule cannot invoke it.
    const [ruleId] = Object.entries(template.Resources).find(
      ([id, resource]) => resource.Type === 'AWS::Events::Rule' && /OutForDelivery/.test(id),
    ) as [string, unknown];
    const withoutPermission = structuredClone(template);
    for (const [id, resource] of Object.entries(withoutPermission.Resources)) {
      if (resource.Type === 'AWS::Lambda::Permission' && JSON.stringify(resource.Properties).includes(ruleId))
        delete withoutPermission.Resources[id];
    }
    const withoutQueueStatement = structuredClone(withoutPermission);
    for (const resource of Object.values(withoutQueueStatement.Resources)) {
      if (resource.Type !== 'AWS::SQS::QueuePolicy') continue;
      const document = resource.Properties?.PolicyDocument as { Statement: unknown[] };
      document.Statement = document.Statement.filter(
        (statement) => !JSON.stringify(statement).includes(ruleId),
      );
    }
    const undeliverable = async (h: Harness, parcelId: string) => {
      await ship(h, parcelId);
      await outForDelivery(h, parcelId, 'D-1');
      return h.sandbox.bus.deadLetters.filter((letter) => letter.event.detail.parcelId === parcelId);
    };

    // Act
    const [allowed, allowedLogs] = await withSandbox(ports, withoutPermission, async (h, lines) => [
      await undeliverable(h, 'IAM-DLQ-1'),
      lines,
    ]);
    const [refused, refusedLogs] = await withSandbox(ports, withoutQueueStatement, async (h, lines) => [
      await undeliverable(h, 'IAM-DLQ-2'),
      lines,
    ]);

    // Assess
    expect(allowed).toHaveLength(1);
    expect(allowedLogs).toContainEqual(
      expect.stringMatching(/AccessDenied events\.amazonaws\.com lambda:InvokeFunction arn:aws:lambda:/),
    );
    expect(refused).toEqual([]);
    expect(refusedLogs).toContainEqual(
      expect.stringMatching(/AccessDenied events\.amazonaws\.com sqs:SendMessage arn:aws:sqs:/),
    );
    expect(refusedLogs).toContainEqual(expect.stringMatching(/could not deliver .* -> dropped/));
  }, 120_000);

  it("answers a verify 5xx, never 200, when the template file lacks the verify role's dynamodb:UpdateItem, with the denial in the log", async () => {
    // Prepare: the synthesized file, edited as a user would, beside its manifest.
    const fileTemplate = JSON.parse(readFileSync(templateFile, 'utf8')) as Template;
    const verify = roleOfFunction(fileTemplate, /verify-otp/);
    const editedDir = mkdtempSync(join(tmpdir(), 'secure-delivery-edited-'));
    const editedFile = join(editedDir, basename(templateFile));
    copyFileSync(join(dirname(templateFile), 'manifest.json'), join(editedDir, 'manifest.json'));
    writeFileSync(
      editedFile,
      JSON.stringify(withoutAction(fileTemplate, verify.roleId, 'dynamodb:UpdateItem')),
    );

    scratchDirs.push(editedDir);
    await withSandbox(ports, editedFile, async (h, logs) => {
      const { code, token } = await readyForHandover(h, 'IAM-VERIFY-1', 'D-1');

      // Act
      const answer = await h.client.verify('IAM-VERIFY-1', { code }, token);

      // Assess
      expect(answer.status).toBeGreaterThanOrEqual(500);
      expect(logs).toContainEqual(
        expect.stringContaining(
          `AccessDenied arn:aws:sts::111111111111:assumed-role/${verify.roleId}/${verify.functionId} dynamodb:UpdateItem arn:aws:dynamodb:us-east-1:111111111111:table/`,
        ),
      );
    });
  }, 120_000);

  it('sends no code email and fails the issuing visibly when the send step lacks ses:SendEmail', async () => {
    const send = roleOfFunction(template, /send-otp-email/);
    await withSandbox(ports, withoutAction(template, send.roleId, 'ses:SendEmail'), async (h, logs) => {
      // Act
      const { emails } = await ship(h, 'IAM-SES-1');

      // Assess
      const failedEvents = await busEventsFor(h, 'Delivery Otp Email Failed', 'IAM-SES-1');
      expect(emails).toEqual([]);
      expect(logs).toContainEqual(
        expect.stringMatching(new RegExp(`AccessDenied \\S+/${send.roleId}/\\S+ ses:SendEmail`)),
      );
      expect(failedEvents).toHaveLength(1);
      // The execution itself ends FAILED (the workflow's log line, not ListExecutions: EXPRESS machines have none).
      expect(logs).toContainEqual(expect.stringMatching(/sfn +Issuing\S+ \S+ FAILED EmailFailed/));
    });
  }, 120_000);

  it('answers a verify 5xx, never 200, when its role lacks kms:GenerateMac: KMS answers AccessDeniedException through the fault proxy', async () => {
    const verify = roleOfFunction(template, /verify-otp/);
    await withSandbox(ports, withoutAction(template, verify.roleId, 'kms:GenerateMac'), async (h, logs) => {
      // Prepare
      const { code, token } = await readyForHandover(h, 'IAM-KMS-1', 'D-1');
      const recording = h.sandbox.faults.kms.record();

      // Act
      const answer = await h.client.verify('IAM-KMS-1', { code }, token);
      recording.stop();

      // Assess
      expect(answer.status).toBeGreaterThanOrEqual(500);
      const macs = recording.exchanges.filter(
        (exchange) => exchange.operation === 'TrentService.GenerateMac',
      );
      expect(macs.length).toBeGreaterThan(0);
      for (const exchange of macs) {
        expect(exchange.status).toBe(400);
        expect(JSON.parse(exchange.response)).toMatchObject({ __type: 'AccessDeniedException' });
        expect(JSON.parse(exchange.response).message).toContain(
          `is not authorized to perform: kms:GenerateMac on resource: arn:aws:kms:`,
        );
      }
      expect(logs).toContainEqual(
        expect.stringContaining(
          `AccessDenied arn:aws:sts::000000000000:assumed-role/${verify.roleId}/${verify.functionId} kms:GenerateMac arn:aws:kms:`,
        ),
      );
      expect((await itemOf(h, 'IAM-KMS-1'))?.status?.S).not.toBe('VERIFIED');
    });
  }, 120_000);

  it("puts the handover event on the bus as the pipe's role: refused without its events:PutEvents statement, retried, then dead-lettered", async () => {
    const pipe = pipeOf(template);
    await withSandbox(ports, withoutAction(template, pipe.roleId, 'events:PutEvents'), async (h, logs) => {
      // Prepare
      const { code, token } = await readyForHandover(h, 'IAM-PIPE-1', 'D-1');

      // Act
      const answer = await h.client.verify('IAM-PIPE-1', { code }, token);
      await h.sandbox.settled();

      // Assess: the write stands; the event does not reach the bus; the batch is on the dead-letter queue.
      expect(answer.status).toBe(200);
      expect(await busEventsFor(h, 'Parcel Handover Verified', 'IAM-PIPE-1')).toEqual([]);
      expect(h.sandbox.pipes.deadLetters).toHaveLength(1);
      expect(h.sandbox.pipes.deadLetters[0]?.message.responseContext.error).toContain(
        'AccessDeniedException',
      );
      expect(logs).toContainEqual(
        expect.stringContaining(
          `AccessDenied arn:aws:sts::000000000000:assumed-role/${pipe.roleId}/${pipe.name} events:PutEvents arn:aws:events:`,
        ),
      );
    });
  }, 120_000);

  it("reads the table stream as the pipe's role: without the stream read statement nothing is read and the denial is logged", async () => {
    const pipe = pipeOf(template);
    await withSandbox(ports, withoutAction(template, pipe.roleId, 'dynamodb:GetRecords'), async (h, logs) => {
      // Prepare
      const { code, token } = await readyForHandover(h, 'IAM-PIPE-2', 'D-1');

      // Act
      const answer = await h.client.verify('IAM-PIPE-2', { code }, token);
      await h.sandbox.settled();

      // Assess
      expect(answer.status).toBe(200);
      expect(
        (await h.client.busEvents()).some((event) => event['detail-type'] === 'Parcel Handover Verified'),
      ).toBe(false);
      expect(logs).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `AccessDenied \\S+/${pipe.roleId}/${pipe.name} dynamodb:\\w+ arn:aws:dynamodb:\\S+/stream/`,
          ),
        ),
      );
      expect(logs).toContainEqual(
        expect.stringMatching(/pipe \S+ cannot read seq \d+: AccessDeniedException/),
      );
    });
  }, 120_000);

  it("drops, and logs, a batch the bus does not take when the pipe's role may not send to its dead-letter queue", async () => {
    const pipe = pipeOf(template);
    await withSandbox(ports, withoutAction(template, pipe.roleId, 'sqs:SendMessage'), async (h, logs) => {
      // Prepare
      const { code, token } = await readyForHandover(h, 'IAM-PIPE-3', 'D-1');

      // Act
      await whileBusRefuses(h.sandbox.bus, 'Parcel Handover Verified', async () => {
        await h.client.verify('IAM-PIPE-3', { code }, token);
        await h.sandbox.settled();
      });

      // Assess
      expect(h.sandbox.pipes.deadLetters).toEqual([]);
      expect(logs).toContainEqual(
        expect.stringContaining(
          `AccessDenied arn:aws:sts::000000000000:assumed-role/${pipe.roleId}/${pipe.name} sqs:SendMessage arn:aws:sqs:`,
        ),
      );
      expect(logs).toContainEqual(
        expect.stringMatching(/pipe \S+ could not deliver seq \d+: .* -> dead-letter queue refused, dropped/),
      );
    });
  }, 120_000);

  it("refuses a driver's token, as Cognito does, when the pre-token-generation trigger's Lambda permission is missing", async () => {
    // Prepare
    const withoutTrigger = structuredClone(template);
    const [permissionId] = Object.entries(withoutTrigger.Resources).find(
      ([, resource]) =>
        resource.Type === 'AWS::Lambda::Permission' &&
        resource.Properties?.Principal === 'cognito-idp.amazonaws.com',
    ) as [string, unknown];
    delete withoutTrigger.Resources[permissionId];

    await withSandbox(ports, withoutTrigger, async (h, logs) => {
      // Act
      const answer = await fetch(h.sandbox.endpoints.driverTokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ driverId: 'D-1' }),
      });

      // Assess
      expect(answer.status).toBe(400);
      expect(await answer.json()).toMatchObject({
        __type: 'UnexpectedLambdaException',
        message: 'PreTokenGeneration invocation failed due to error AccessDeniedException.',
      });
      expect(logs).toContainEqual(
        expect.stringMatching(
          /AccessDenied cognito-idp\.amazonaws\.com lambda:InvokeFunction arn:aws:lambda:/,
        ),
      );
    });
  }, 120_000);
});

/** The template's pipe: its role's logical id and the name the sandbox gives its role session. */
function pipeOf(template: Template): { roleId: string; name: string } {
  const [pipeId, pipe] = Object.entries(template.Resources).find(
    ([, resource]) => resource.Type === 'AWS::Pipes::Pipe',
  ) as [string, { Properties?: Record<string, unknown> }];
  const roleArn = pipe.Properties?.RoleArn as { 'Fn::GetAtt': [string, string] };
  return { roleId: roleArn['Fn::GetAtt'][0], name: String(pipe.Properties?.Name ?? pipeId) };
}
