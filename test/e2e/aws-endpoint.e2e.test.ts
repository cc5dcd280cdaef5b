/**
 * The one AWS endpoint as a newcomer meets it: every emulated service at `awsEndpoint` through AWS SDK v3
 * clients and through the requests the AWS CLI sends (`test/support/aws-cli-requests.ts`), the calls a
 * CLI user tries first, the refusals AWS makes (unsigned, unknown keys, made-up session tokens, a
 * protected table), and answers in AWS's shapes.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DeleteTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeEventBusCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  ListRulesCommand,
} from '@aws-sdk/client-eventbridge';
import { DescribeKeyCommand, KMSClient, ListAliasesCommand, ListKeysCommand } from '@aws-sdk/client-kms';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { ListIdentitiesCommand, SESClient } from '@aws-sdk/client-ses';
import {
  DescribeStateMachineCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartSyncExecutionCommand,
} from '@aws-sdk/client-sfn';
import { beforeAll, describe, expect, it } from 'vitest';
import { otpTableName, shippedDetail } from '../../sandbox/app/client.ts';
import { REPO_ROOT } from '../../sandbox/app/paths.ts';
import type { SandboxEndpoints } from '../../sandbox/app/sandbox.ts';
import { todayIn } from '../../sandbox/app/ship-parcel.ts';
import { SANDBOX_SENDER_EMAIL } from '../../sandbox/app/synth.ts';
import { type CliTarget, cliJson, cliQuery, cliRest } from '../support/aws-cli-requests.ts';
import { useSandbox } from './harness.ts';

const e2e = useSandbox();
let endpoints: SandboxEndpoints;
let cli: CliTarget;
/** SDK v3 client settings for `awsEndpoint`, signed with the administrator's keys. */
let sdk: {
  endpoint: string;
  region: string;
  credentials: SandboxEndpoints['credentials'];
  maxAttempts: number;
};
let codeTable: string;

beforeAll(async () => {
  endpoints = e2e.sandbox.endpoints;
  cli = { endpoint: endpoints.awsEndpoint, region: endpoints.region, credentials: endpoints.credentials };
  sdk = {
    endpoint: endpoints.awsEndpoint,
    region: endpoints.region,
    credentials: endpoints.credentials,
    maxAttempts: 1,
  };
  codeTable = await otpTableName(new DynamoDBClient(sdk));
});

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: Error & { $metadata?: { httpStatusCode?: number } }) => ({
      name: error.name,
      message: error.message,
      status: error.$metadata?.httpStatusCode,
    }),
  );

describe('one AWS endpoint for every service', () => {
  it('names the same URL for every service in endpoints.json, and answers each there through the SDK', async () => {
    // Act
    const tables = await new DynamoDBClient(sdk).send(new ListTablesCommand({}));
    const identities = await new SESClient(sdk).send(new ListIdentitiesCommand({}));
    const rules = await new EventBridgeClient(sdk).send(new ListRulesCommand({}));
    const machines = await new SFNClient(sdk).send(new ListStateMachinesCommand({}));
    const secrets = await new SecretsManagerClient(sdk).send(new ListSecretsCommand({}));
    const aliases = await new KMSClient(sdk).send(new ListAliasesCommand({}));

    // Assess
    expect(
      new Set([
        endpoints.eventsEndpoint,
        endpoints.sesEndpoint,
        endpoints.dynamodbEndpoint,
        endpoints.stepFunctionsEndpoint,
        endpoints.secretsManagerEndpoint,
        endpoints.kmsEndpoint,
        endpoints.smsEndpoint,
      ]),
    ).toEqual(new Set([endpoints.awsEndpoint]));
    expect(tables.TableNames).toContain(codeTable);
    expect(identities.Identities).toEqual([SANDBOX_SENDER_EMAIL]);
    expect(rules.Rules?.length).toBeGreaterThan(0);
    expect(machines.stateMachines?.length).toBeGreaterThan(0);
    expect(secrets.SecretList?.[0]?.Name).toMatch(/^Secrets/);
    expect(aliases.Aliases).toEqual([]);
  });

  it('answers the AWS CLI commands a newcomer tries first, as the CLI sends them', async () => {
    // Act
    const answers = await Promise.all([
      cliJson(cli, 'dynamodb', { target: 'DynamoDB_20120810.ListTables', version: '1.0' }),
      cliQuery(cli, 'ses', { Action: 'ListIdentities', Version: '2010-12-01' }),
      cliJson(cli, 'events', {
        target: 'AWSEvents.DescribeRule',
        version: '1.1',
        body: { Name: 'CodeDeliverySweepDelayedSchedule4E48F72C' },
      }),
      cliJson(cli, 'secretsmanager', { target: 'secretsmanager.ListSecrets', version: '1.1' }),
      cliJson(cli, 'kms', { target: 'TrentService.ListAliases', version: '1.1' }),
      cliQuery(cli, 'sts', { Action: 'GetCallerIdentity', Version: '2011-06-15' }),
      cliRest(cli, 'ses', 'GET', '/v2/email/identities'),
      cliJson(cli, 'dynamodb', { target: 'DynamoDBStreams_20120810.ListStreams', version: '1.0' }),
    ]);

    // Assess
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200, 200, 200, 200]);
    const [tables, identities, rule, , , caller, v2Identities, streams] = answers;
    expect(tables?.json.TableNames).toContain(codeTable);
    expect(identities?.text).toContain(`<member>${SANDBOX_SENDER_EMAIL}</member>`);
    expect(rule?.json).toMatchObject({ ScheduleExpression: 'rate(5 minutes)', State: 'ENABLED' });
    expect(caller?.text).toContain('<Arn>arn:aws:iam::000000000000:user/sandbox-admin</Arn>');
    expect(v2Identities?.json.EmailIdentities).toEqual([
      expect.objectContaining({
        IdentityName: SANDBOX_SENDER_EMAIL,
        IdentityType: 'EMAIL_ADDRESS',
      }),
    ]);
    expect(streams?.json.Streams).toEqual([expect.objectContaining({ TableName: codeTable })]);
  });

  it('names a service it does not emulate and lists those it does; names an operation it does not implement', async () => {
    // Act
    const s3 = await cliRest(cli, 's3', 'GET', '/');
    const sqs = await cliJson(cli, 'sqs', { target: 'AmazonSQS.ListQueues', version: '1.0' });
    const activities = await cliJson(cli, 'states', {
      target: 'AWSStepFunctions.ListActivities',
      version: '1.0',
    });
    const users = await cliJson(cli, 'cognito-idp', {
      target: 'AWSCognitoIdentityProviderService.ListUsers',
      version: '1.1',
    });
    const sesAction = await cliQuery(cli, 'ses', { Action: 'ListTemplates', Version: '2010-12-01' });
    const partiql = await cliJson(cli, 'dynamodb', {
      target: 'DynamoDB_20120810.ExecuteStatement',
      version: '1.0',
      body: { Statement: 'SELECT * FROM x' },
    });

    // Assess
    expect(s3.status).toBe(400);
    expect(s3.text).toContain('<Code>UnknownServiceException</Code>');
    expect(s3.text).toMatch(
      /does not emulate s3\. This endpoint answers: DynamoDB \(dynamodb\).*Secrets Manager/,
    );
    expect(sqs).toMatchObject({ status: 400, json: { __type: 'UnknownServiceException' } });
    expect(sqs.json.message).toContain('does not emulate sqs');
    expect(activities.json).toMatchObject({ __type: 'UnknownOperationException' });
    expect(activities.json.message).toMatch(
      /Step Functions ListActivities\. It implements: .*StartSyncExecution/,
    );
    expect(users.json.message).toContain('Cognito user pools ListUsers');
    expect(sesAction.text).toContain('<Code>InvalidAction</Code>');
    expect(partiql.json.message).toMatch(/DynamoDB ExecuteStatement\. It implements: .*UpdateTimeToLive/);
  });
});

describe('no where AWS says no', () => {
  it('refuses an unsigned GetSecretValue, and any unsigned API call, as AWS does per protocol', async () => {
    // Act
    const secret = await cliJson({ ...cli, signed: false }, 'secretsmanager', {
      target: 'secretsmanager.GetSecretValue',
      version: '1.1',
      body: { SecretId: 'SecretsEncryptionKeyBE59B073' },
    });
    const ses = await cliQuery({ ...cli, signed: false }, 'ses', {
      Action: 'ListIdentities',
      Version: '2010-12-01',
    });
    const sesV2 = await cliRest({ ...cli, signed: false }, 'ses', 'GET', '/v2/email/identities');

    // Assess
    expect(secret).toMatchObject({
      status: 400,
      json: {
        __type: 'MissingAuthenticationTokenException',
        message: 'Request is missing Authentication Token',
      },
    });
    expect(secret.text).not.toContain('SecretString');
    expect(ses.status).toBe(403);
    expect(ses.text).toContain('<Code>MissingAuthenticationToken</Code>');
    expect(sesV2.status).toBe(403);
    expect(sesV2.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
  });

  it("takes a user pool's sign-in unsigned, as Cognito does, and refuses any other unsigned user pools call", async () => {
    // Act
    const signIn = await cliJson({ ...cli, signed: false }, 'cognito-idp', {
      target: 'AWSCognitoIdentityProviderService.InitiateAuth',
      version: '1.1',
      body: {
        AuthFlow: 'USER_SRP_AUTH',
        ClientId: endpoints.driverClientId,
        AuthParameters: { USERNAME: 'D-DEMO', SRP_A: 'ab12cd34' },
      },
    });
    const listPools = await cliJson({ ...cli, signed: false }, 'cognito-idp', {
      target: 'AWSCognitoIdentityProviderService.ListUserPools',
      version: '1.1',
      body: { MaxResults: 10 },
    });

    // Assess
    expect(signIn).toMatchObject({ status: 200, json: { ChallengeName: 'PASSWORD_VERIFIER' } });
    expect(listPools).toMatchObject({
      status: 400,
      json: { __type: 'MissingAuthenticationTokenException' },
    });
  });

  it('refuses a key it did not issue and a long-term key with a made-up session token as UnrecognizedClient', async () => {
    // Act
    const unknown = await failure(
      new DynamoDBClient({
        ...sdk,
        credentials: { accessKeyId: 'AKIAOTHERUSER0000001', secretAccessKey: 'x' },
      }).send(new ListTablesCommand({})),
    );
    const madeUpToken = await failure(
      new SecretsManagerClient({
        ...sdk,
        credentials: { ...endpoints.credentials, sessionToken: 'made-up' },
      }).send(new GetSecretValueCommand({ SecretId: 'SecretsEncryptionKeyBE59B073' })),
    );
    const sesUnknown = await cliQuery(
      { ...cli, credentials: { accessKeyId: 'AKIAOTHERUSER0000001', secretAccessKey: 'x' } },
      'ses',
      { Action: 'ListIdentities', Version: '2010-12-01' },
    );

    // Assess
    const invalid = {
      name: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
      status: 400,
    };
    expect(unknown).toEqual(invalid);
    expect(madeUpToken).toEqual(invalid);
    expect(sesUnknown.status).toBe(403);
    expect(sesUnknown.text).toContain('<Code>InvalidClientTokenId</Code>');
  });

  it("lets the administrator's keys do anything and the shop backend's keys only invoke the API", async () => {
    // Act
    const admin = await new DynamoDBClient(sdk).send(new DescribeTableCommand({ TableName: codeTable }));
    const shop = await failure(
      new DynamoDBClient({ ...sdk, credentials: endpoints.iam }).send(
        new DescribeTableCommand({ TableName: codeTable }),
      ),
    );

    // Assess
    expect(admin.Table?.TableName).toBe(codeTable);
    expect(shop).toEqual({
      name: 'AccessDeniedException',
      message: `User: arn:aws:iam::000000000000:user/shop-backend is not authorized to perform: dynamodb:DescribeTable on resource: arn:aws:dynamodb:${endpoints.region}:000000000000:table/${codeTable} because no identity-based policy allows the dynamodb:DescribeTable action`,
      status: 400,
    });
  });

  it('refuses DeleteTable on the protected code table as DynamoDB does, and the table stays', async () => {
    // Prepare
    const ddb = new DynamoDBClient(sdk);

    // Act
    const deleted = await failure(ddb.send(new DeleteTableCommand({ TableName: codeTable })));
    const tables = await ddb.send(new ListTablesCommand({}));

    // Assess
    expect(deleted).toEqual({
      name: 'ValidationException',
      message:
        'Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.',
      status: 400,
    });
    expect(tables.TableNames).toContain(codeTable);
  });
});

describe('answers as AWS gives them', () => {
  it('describes the code table with its stream, encryption and deletion protection from the template, and UpdateTable turns protection off and on', async () => {
    // Prepare
    const ddb = new DynamoDBClient(sdk);

    // Act
    const { Table: table } = await ddb.send(new DescribeTableCommand({ TableName: codeTable }));
    const off = await ddb.send(
      new UpdateTableCommand({ TableName: codeTable, DeletionProtectionEnabled: false }),
    );
    const on = await ddb.send(
      new UpdateTableCommand({ TableName: codeTable, DeletionProtectionEnabled: true }),
    );

    // Assess
    expect(table).toMatchObject({
      DeletionProtectionEnabled: true,
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      LatestStreamArn: expect.stringMatching(new RegExp(`:table/${codeTable}/stream/`)),
      SSEDescription: {
        Status: 'ENABLED',
        SSEType: 'KMS',
        KMSMasterKeyArn: expect.stringMatching(/^arn:aws:kms:/),
      },
    });
    expect(off.TableDescription?.DeletionProtectionEnabled).toBe(false);
    expect(on.TableDescription?.DeletionProtectionEnabled).toBe(true);
  });

  it('reports a point-in-time recovery window whose latest restorable time is not before its earliest', async () => {
    // Act
    const { ContinuousBackupsDescription: backups } = await new DynamoDBClient(sdk).send(
      new DescribeContinuousBackupsCommand({ TableName: codeTable }),
    );

    // Assess
    const pitr = backups?.PointInTimeRecoveryDescription;
    expect(pitr?.PointInTimeRecoveryStatus).toBe('ENABLED');
    expect(pitr?.LatestRestorableDateTime?.getTime()).toBeGreaterThanOrEqual(
      pitr?.EarliestRestorableDateTime?.getTime() ?? Number.POSITIVE_INFINITY,
    );
  });

  it("lists every bus's rules with their descriptions, the default bus's scheduled sweep too, and describes rules and buses", async () => {
    // Prepare
    const events = new EventBridgeClient(sdk);

    // Act
    const onDefault = await events.send(new ListRulesCommand({}));
    const onBus = await events.send(new ListRulesCommand({ EventBusName: endpoints.eventBusName }));
    const rule = await events.send(
      new DescribeRuleCommand({ Name: onBus.Rules?.[0]?.Name, EventBusName: endpoints.eventBusName }),
    );
    const bus = await events.send(new DescribeEventBusCommand({ Name: endpoints.eventBusName }));
    const missing = await failure(events.send(new DescribeRuleCommand({ Name: 'NoSuchRule' })));
    const badName = await failure(events.send(new DescribeRuleCommand({ Name: 'no such rule' })));

    // Assess
    expect(onDefault.Rules).toContainEqual(
      expect.objectContaining({
        ScheduleExpression: 'rate(5 minutes)',
        Description: expect.stringContaining('delayed'),
      }),
    );
    expect(onBus.Rules?.every((candidate) => (candidate.Description ?? '').length > 0)).toBe(true);
    expect(rule).toMatchObject({
      Name: onBus.Rules?.[0]?.Name,
      EventBusName: endpoints.eventBusName,
      CreatedBy: '000000000000',
    });
    expect(bus.Arn).toBe(
      `arn:aws:events:${endpoints.region}:000000000000:event-bus/${endpoints.eventBusName}`,
    );
    expect(bus.CreationTime?.getFullYear()).toBeGreaterThan(2000);
    expect(missing).toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'Rule NoSuchRule does not exist on EventBus default.',
    });
    expect(badName).toMatchObject({ name: 'ValidationException', status: 400 });
  });

  it('describes a state machine with its definition and a real creation date, and runs an Express one synchronously', async () => {
    // Prepare
    const sfn = new SFNClient({ ...sdk, disableHostPrefix: true });
    const [machine] = (await sfn.send(new ListStateMachinesCommand({}))).stateMachines ?? [];
    const issuing = (await sfn.send(new ListStateMachinesCommand({}))).stateMachines?.find((candidate) =>
      /Issuing/.test(candidate.name ?? ''),
    );
    const event = {
      version: '0',
      id: 'c0ffee00-0000-4000-8000-000000000001',
      'detail-type': 'Parcel Shipped',
      source: endpoints.eventSource,
      account: '000000000000',
      time: new Date().toISOString(),
      region: endpoints.region,
      resources: [],
      detail: shippedDetail('AWS-SYNC-1'),
    };

    // Act
    const described = await sfn.send(
      new DescribeStateMachineCommand({ stateMachineArn: machine?.stateMachineArn }),
    );
    const run = await sfn.send(
      new StartSyncExecutionCommand({
        stateMachineArn: issuing?.stateMachineArn,
        input: JSON.stringify(event),
      }),
    );
    const badArn = await failure(
      sfn.send(new DescribeStateMachineCommand({ stateMachineArn: 'not-an-arn' })),
    );
    const missing = await failure(
      sfn.send(
        new StartSyncExecutionCommand({
          stateMachineArn: `arn:aws:states:${endpoints.region}:000000000000:stateMachine:NoSuchMachine`,
        }),
      ),
    );

    // Assess
    expect(described).toMatchObject({
      status: 'ACTIVE',
      type: 'EXPRESS',
      roleArn: expect.stringContaining(':role/'),
    });
    expect(JSON.parse(described.definition ?? '{}').StartAt).toBeDefined();
    expect(described.creationDate?.getFullYear()).toBeGreaterThan(2000);
    expect(machine?.creationDate?.getFullYear()).toBeGreaterThan(2000);
    expect(run).toMatchObject({ status: 'SUCCEEDED', name: expect.any(String) });
    expect(await e2e.client.emailsTo('aws-sync-1@example.com')).toHaveLength(1);
    expect(badArn).toMatchObject({ name: 'InvalidArn', status: 400 });
    expect(missing).toMatchObject({ name: 'StateMachineDoesNotExist', status: 400 });
  });

  it("lists and describes the template's secret by name, and validates as Secrets Manager does", async () => {
    // Prepare
    const secrets = new SecretsManagerClient(sdk);

    // Act
    const listed = await secrets.send(
      new ListSecretsCommand({ Filters: [{ Key: 'name', Values: ['Secrets'] }] }),
    );
    const name = listed.SecretList?.[0]?.Name;
    const described = await secrets.send(new DescribeSecretCommand({ SecretId: name }));
    const none = await secrets.send(
      new ListSecretsCommand({ Filters: [{ Key: 'name', Values: ['!Secrets'] }] }),
    );
    const tooMany = await failure(secrets.send(new ListSecretsCommand({ MaxResults: 101 })));
    const badFilter = await failure(
      secrets.send(new ListSecretsCommand({ Filters: [{ Key: 'colour' as never, Values: ['x'] }] })),
    );
    const missing = await failure(secrets.send(new DescribeSecretCommand({ SecretId: 'NoSuchSecret' })));

    // Assess
    expect(described).toMatchObject({ Name: name, ARN: listed.SecretList?.[0]?.ARN, RotationEnabled: false });
    expect(described.Description).toContain('AES');
    expect(described.CreatedDate?.getFullYear()).toBeGreaterThan(2000);
    expect(JSON.stringify(described)).not.toContain('SecretString');
    expect(none.SecretList).toEqual([]);
    expect(tooMany).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(badFilter).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(missing).toMatchObject({
      name: 'ResourceNotFoundException',
      message: "Secrets Manager can't find the specified secret.",
    });
  });

  it('gives KMS keys a creation date of the sandbox, not 1970', async () => {
    // Prepare
    const kms = new KMSClient(sdk);
    const [key] = (await kms.send(new ListKeysCommand({}))).Keys ?? [];

    // Act
    const described = await kms.send(new DescribeKeyCommand({ KeyId: key?.KeyId }));

    // Assess
    expect(described.KeyMetadata?.CreationDate?.getFullYear()).toBeGreaterThan(2000);
  });

  it("names the template's sender identity in SES's events, and reads the code table's stream through the Streams API", async () => {
    // Prepare
    await e2e.ship('AWS-SES-1');
    const [stream] = (
      await cliJson(cli, 'dynamodb', { target: 'DynamoDBStreams_20120810.ListStreams', version: '1.0' })
    ).json.Streams as { StreamArn: string }[];

    // Act
    const sesEvents = (await e2e.client.busEvents()).filter((event) => event.source === 'aws.ses');
    const iterator = await cliJson(cli, 'dynamodb', {
      target: 'DynamoDBStreams_20120810.GetShardIterator',
      version: '1.0',
      body: {
        StreamArn: stream?.StreamArn,
        ShardId: 'shardId-00000000000000000000-00000001',
        ShardIteratorType: 'TRIM_HORIZON',
      },
    });
    const records = await cliJson(cli, 'dynamodb', {
      target: 'DynamoDBStreams_20120810.GetRecords',
      version: '1.0',
      body: { ShardIterator: iterator.json.ShardIterator },
    });

    // Assess
    expect(sesEvents.length).toBeGreaterThan(0);
    expect(
      sesEvents.every(
        (event) =>
          (event.detail.mail as { sourceArn: string }).sourceArn ===
          `arn:aws:ses:${endpoints.region}:000000000000:identity/${SANDBOX_SENDER_EMAIL}`,
      ),
    ).toBe(true);
    const keys = (records.json.Records as { dynamodb: { Keys: { parcelId: { S: string } } } }[]).map(
      (record) => record.dynamodb.Keys.parcelId.S,
    );
    expect(keys).toContain('AWS-SES-1');
  });
});

describe("the docs' AWS CLI line", () => {
  it('puts a Parcel Shipped for today that the product takes, signed with the keys the docs export: its code email arrives', async () => {
    // Prepare: the export line and heredoc of README.md and docs/sandbox.md, expanded as the shell does.
    const [readme, sandboxDoc] = ['README.md', join('docs', 'sandbox.md')].map((path) =>
      readFileSync(join(REPO_ROOT, path), 'utf8'),
    );
    const cliBlock = (doc: string) => ({
      exported: /^export (AWS_ACCESS_KEY_ID=.*)$/m.exec(doc)?.[1] ?? '',
      heredoc: /cat > \/tmp\/shipped\.json <<EOF\n([\s\S]*?)\nEOF\n/.exec(doc)?.[1] ?? '',
    });
    const docs = cliBlock(sandboxDoc as string);
    const variables = Object.fromEntries(docs.exported.split(' ').map((pair) => pair.split('=')));
    const entries = docs.heredoc
      .replace('$BUS', endpoints.eventBusName)
      .replace('$(TZ=Europe/Berlin date +%F)', todayIn('Europe/Berlin'));

    // Act
    const put = await cliJson(
      {
        endpoint: endpoints.awsEndpoint,
        region: variables.AWS_DEFAULT_REGION,
        credentials: {
          accessKeyId: variables.AWS_ACCESS_KEY_ID,
          secretAccessKey: variables.AWS_SECRET_ACCESS_KEY,
        },
      },
      'events',
      { target: 'AWSEvents.PutEvents', version: '1.1', body: { Entries: JSON.parse(entries) } },
    );
    await e2e.sandbox.settled();

    // Assess
    expect(cliBlock(readme as string)).toEqual(docs);
    expect(variables).toEqual({
      AWS_ACCESS_KEY_ID: endpoints.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: endpoints.credentials.secretAccessKey,
      AWS_DEFAULT_REGION: endpoints.region,
    });
    expect(put).toMatchObject({ status: 200, json: { FailedEntryCount: 0 } });
    expect(await e2e.client.emailsTo('p-cli-1@example.com')).toHaveLength(1);
  });
});
