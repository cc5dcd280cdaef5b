import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { SecureDeliveryStack } from '../../lib/secure-delivery-stack.ts';
import { REQUIRED_CONTEXT } from '../support/stack-settings.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

const ENV = { account: '123456789012', region: 'eu-central-1' };
// Bundling is skipped: these tests assert the template, not the bundles.
const newApp = (context: Record<string, unknown> = {}) =>
  new App({ context: { 'aws:cdk:bundling-stacks': [], ...REQUIRED_CONTEXT, ...context } });

let template: Template;
let resources: Record<string, Resource>;

beforeAll(() => {
  const stack = new SecureDeliveryStack(newApp(), 'Test', { env: ENV });
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources as Record<string, Resource>;
});

const logicalIdOf = (type: string, predicate: (resource: Resource) => boolean = () => true) =>
  Object.entries(resources).find(([, resource]) => resource.Type === type && predicate(resource))?.[0];

/** The code hash key (the stack has other KMS keys, e.g. the alarm topic's). */
const isHmacKey = (resource: Resource) => resource.Properties.KeySpec === 'HMAC_256';

const functionByHandler = (handlerName: string) =>
  logicalIdOf('AWS::Lambda::Function', (resource) =>
    JSON.stringify(resource.Properties.Environment).includes(`"POWERTOOLS_SERVICE_NAME":"${handlerName}"`),
  ) as string;

/** The resource with this logical id (throws when there is none). */
function resourceById(logicalId: string): Resource {
  const resource = resources[logicalId];
  if (!resource) throw new Error(`no resource ${logicalId}`);
  return resource;
}

/** Statements of the IAM policies attached to a function's role. */
function statementsFor(functionId: string): Statement[] {
  const role = (resourceById(functionId).Properties.Role as { 'Fn::GetAtt': [string, string] })[
    'Fn::GetAtt'
  ][0];
  return Object.values(resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(role))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}
const actionsOf = (statements: Statement[]) => statements.flatMap((statement) => [statement.Action].flat());

/** Logical id of the DynamoDB table whose id starts with `prefix` (`OtpTable`, `RecipientTable`). */
function tableId(prefix: string): string {
  const id = Object.keys(resources).find(
    (logicalId) => logicalId.startsWith(prefix) && resources[logicalId]?.Type === 'AWS::DynamoDB::Table',
  );
  if (!id) throw new Error(`no table ${prefix}`);
  return id;
}

/** The actions a function's role is granted on the table `table` (a logical id), sorted. */
const tableActionsOf = (handlerName: string, table: string) =>
  actionsOf(
    statementsFor(functionByHandler(handlerName)).filter((statement) =>
      JSON.stringify(statement.Resource).includes(`"${table}"`),
    ),
  ).sort();

describe('SecureDeliveryStack', () => {
  it('routes Parcel Shipped from carrier.dispatch to the Express issuing workflow, with a dead-letter queue', () => {
    const stateMachineId = logicalIdOf('AWS::StepFunctions::StateMachine') as string;

    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['carrier.dispatch'], 'detail-type': ['Parcel Shipped'] },
      Targets: [
        Match.objectLike({
          Arn: { Ref: stateMachineId },
          DeadLetterConfig: { Arn: Match.anyValue() },
        }),
      ],
    });
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'EXPRESS',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ IncludeExecutionData: false, Level: 'ALL' }),
    });
  });

  it('reads the rule source and thresholds from context', () => {
    const stack = new SecureDeliveryStack(
      newApp({
        'secureDelivery:eventSource': 'acme.parcels',
        'secureDelivery:otpThresholds': { SEK: 500000 },
      }),
      'Custom',
      { env: ENV },
    );
    const custom = Template.fromStack(stack);

    custom.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['acme.parcels'], 'detail-type': ['Parcel Shipped'] },
    });
    custom.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ OTP_THRESHOLDS: '{"SEK":500000}' }) },
    });
  });

  it('gives every rule target a dead-letter queue, and alarms on it', () => {
    const rules = Object.values(resources).filter((resource) => resource.Type === 'AWS::Events::Rule');

    // Rules without targets only count events for alarms; every rule that delivers has a DLQ.
    const delivering = rules.filter((rule) => rule.Properties.Targets !== undefined);
    expect(delivering.length).toBeGreaterThanOrEqual(4);
    for (const rule of delivering) {
      for (const target of rule.Properties.Targets as { DeadLetterConfig?: unknown }[]) {
        expect(target.DeadLetterConfig).toBeDefined();
      }
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
    });
  });

  it('keeps codes in a table with TTL for clean-up and point-in-time recovery', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'parcelId', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      BillingMode: 'PAY_PER_REQUEST',
    });
  });

  it('protects the verify route with a JWT authorizer backed by the driver pool', () => {
    const authorizerId = logicalIdOf('AWS::ApiGatewayV2::Authorizer') as string;
    const poolId = logicalIdOf('AWS::Cognito::UserPool') as string;
    const handheldId = logicalIdOf('AWS::Cognito::UserPoolClient', (client) =>
      JSON.stringify(client.Properties.ExplicitAuthFlows).includes('ALLOW_USER_SRP_AUTH'),
    ) as string;
    const webAppId = logicalIdOf('AWS::Cognito::UserPoolClient', (client) =>
      String(JSON.stringify(client.Properties.AllowedOAuthFlows)).includes('code'),
    ) as string;

    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /parcels/{parcelId}/verify',
      AuthorizationType: 'JWT',
      AuthorizerId: { Ref: authorizerId },
    });
    const authorizer = resources[authorizerId]?.Properties as {
      JwtConfiguration: { Audience: unknown; Issuer: unknown };
    };
    expect(authorizer.JwtConfiguration.Audience).toEqual([{ Ref: handheldId }, { Ref: webAppId }]);
    expect(JSON.stringify(authorizer.JwtConfiguration.Issuer)).toContain('cognito-idp');
    expect(JSON.stringify(authorizer.JwtConfiguration.Issuer)).toContain(poolId);
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    });
  });

  it('writes API access logs and throttles the stage', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
      DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: Match.anyValue() }),
    });
  });

  it('runs every function on arm64 Node.js 22+ with tracing and JSON logs', () => {
    // CDK's BucketDeployment function (deploy time only, its own runtime) is not one of ours.
    const functions = Object.entries(resources)
      .filter(
        ([id, resource]) =>
          resource.Type === 'AWS::Lambda::Function' && !id.startsWith('CustomCDKBucketDeployment'),
      )
      .map(([, resource]) => resource);

    expect(functions).toHaveLength(12);
    for (const fn of functions) {
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(Number(String(fn.Properties.Runtime).replace(/^nodejs(\d+).*$/, '$1'))).toBeGreaterThanOrEqual(
        22,
      );
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
      expect(fn.Properties.LoggingConfig).toMatchObject({ LogFormat: 'JSON' });
    }
  });

  it('grants no wildcard actions anywhere', () => {
    const statements = Object.values(resources)
      .filter((resource) => resource.Type === 'AWS::IAM::Policy')
      .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);

    for (const action of actionsOf(statements)) expect(action).not.toMatch(/(^\*$|:\*$)/);
  });

  it('lets verify update and read the table (each only on its attributes) and MAC through the key policy, but never read the encryption key or send email', () => {
    const verify = statementsFor(functionByHandler('verify-otp'));
    const encryptionSecret = logicalIdOf('AWS::SecretsManager::Secret', (r) =>
      String(r.Properties.Description).includes('AES'),
    );

    const dynamo = verify.filter((statement) =>
      actionsOf([statement]).some((a) => a.startsWith('dynamodb:')),
    );
    expect(actionsOf(dynamo)).toEqual(['dynamodb:UpdateItem', 'dynamodb:GetItem']);
    for (const statement of dynamo)
      expect(JSON.stringify(statement), 'conditioned on dynamodb:Attributes').toContain(
        'dynamodb:Attributes',
      );
    expect(JSON.stringify(verify)).not.toContain(encryptionSecret as string);
    expect(actionsOf(verify)).not.toContain('ses:SendEmail');
    // Parcel Handover Verified comes from the table's stream: verify cannot put anything on the bus.
    expect(actionsOf(verify).filter((action) => action.startsWith('events:'))).toEqual([]);
    expect(
      JSON.stringify(resourceById(functionByHandler('verify-otp')).Properties.Environment),
    ).not.toContain('EVENT_BUS');
  });

  it('publishes Parcel Handover Verified from the table stream with a pipe that has its own least-privilege role, a DLQ and an alarm', () => {
    const tableId = logicalIdOf('AWS::DynamoDB::Table') as string;
    const busId = logicalIdOf('AWS::Events::EventBus') as string;
    const pipeId = logicalIdOf('AWS::Pipes::Pipe') as string;
    const pipe = resourceById(pipeId).Properties as Record<string, unknown> & {
      SourceParameters: {
        DynamoDBStreamParameters: Record<string, unknown> & { DeadLetterConfig: { Arn: unknown } };
        FilterCriteria: { Filters: { Pattern: string }[] };
      };
      TargetParameters: {
        InputTemplate: string;
        EventBridgeEventBusParameters: Record<string, unknown>;
      };
      RoleArn: { 'Fn::GetAtt': [string, string] };
    };

    expect(resourceById(tableId).Properties.StreamSpecification).toEqual({
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    });
    expect(pipe.Source).toEqual({ 'Fn::GetAtt': [tableId, 'StreamArn'] });
    expect(pipe.Target).toEqual({ 'Fn::GetAtt': [busId, 'Arn'] });
    expect(pipe.TargetParameters.EventBridgeEventBusParameters).toEqual({
      Source: 'secure-delivery',
      DetailType: 'Parcel Handover Verified',
    });
    // Only verify's transition of a record issuing wrote, before the receipt was claimed (security.md).
    expect(pipe.SourceParameters.FilterCriteria.Filters.map((filter) => JSON.parse(filter.Pattern))).toEqual([
      {
        eventName: ['MODIFY'],
        dynamodb: {
          OldImage: {
            status: { S: ['ISSUED'] },
            verifiedAt: { N: [{ exists: false }] },
            receiptStatus: { S: [{ exists: false }] },
          },
          NewImage: {
            status: { S: ['VERIFIED'] },
            verifiedAt: { N: [{ exists: true }] },
            verifiedAtIso: { S: [{ exists: true }] },
            verifiedBy: { S: [{ exists: true }] },
            codeHash: { S: [{ exists: true }] },
            orderId: { S: [{ exists: true }] },
            receiptStatus: { S: [{ exists: false }] },
            lifecycleRevokedAt: { N: [{ exists: false }] },
          },
        },
      },
    ]);
    // The stream's images hold hashes, ciphertexts and addresses: the pipe logs no execution data.
    expect(pipe.LogConfiguration).toBeUndefined();
    expect(pipe.TargetParameters.InputTemplate).toContain(
      '"verifiedAt": "<$.dynamodb.NewImage.verifiedAtIso.S>"',
    );
    const dlqId = pipe.SourceParameters.DynamoDBStreamParameters.DeadLetterConfig.Arn as {
      'Fn::GetAtt': [string, string];
    };
    const dlq = resourceById(dlqId['Fn::GetAtt'][0]).Properties;
    expect(dlq.SqsManagedSseEnabled).toBe(true);
    const dlqAlarm = Object.values(resources).find(
      (resource) =>
        resource.Type === 'AWS::CloudWatch::Alarm' &&
        JSON.stringify(resource.Properties.Dimensions ?? []).includes(dlqId['Fn::GetAtt'][0]),
    );
    expect(dlqAlarm?.Properties).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    const sslPolicy = Object.values(resources).find(
      (resource) =>
        resource.Type === 'AWS::SQS::QueuePolicy' &&
        JSON.stringify(resource.Properties.Queues).includes(dlqId['Fn::GetAtt'][0]),
    );
    expect(JSON.stringify(sslPolicy?.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');

    const role = pipe.RoleArn['Fn::GetAtt'][0];
    const statements = Object.values(resources)
      .filter((resource) => resource.Type === 'AWS::IAM::Policy')
      .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(role))
      .flatMap(
        (policy) =>
          (policy.Properties.PolicyDocument as { Statement: (Statement & { Condition?: unknown })[] })
            .Statement,
      );
    const byAction = (action: string) =>
      statements.filter((statement) => actionsOf([statement]).includes(action));
    for (const action of ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator']) {
      expect(byAction(action).map((statement) => statement.Resource)).toEqual([
        { 'Fn::GetAtt': [tableId, 'StreamArn'] },
      ]);
    }
    expect(
      byAction('events:PutEvents').map((statement) => [statement.Resource, statement.Condition]),
    ).toEqual([
      [
        { 'Fn::GetAtt': [busId, 'Arn'] },
        {
          'ForAllValues:StringEquals': {
            'events:source': ['secure-delivery'],
            'events:detail-type': ['Parcel Handover Verified'],
          },
          Null: { 'events:source': 'false', 'events:detail-type': 'false' },
        },
      ],
    ]);
    expect(byAction('sqs:SendMessage').map((statement) => statement.Resource)).toEqual([
      { 'Fn::GetAtt': [dlqId['Fn::GetAtt'][0], 'Arn'] },
    ]);
    // Pipes needs only sqs:SendMessage to dead-letter a batch (EventBridge user guide, pipe permissions).
    expect(actionsOf(statements).sort()).toEqual([
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
      'dynamodb:ListStreams',
      'events:PutEvents',
      'sqs:SendMessage',
    ]);
  });

  it('lets only the send step email, from the configured sender only', () => {
    const send = statementsFor(functionByHandler('send-otp-email'));
    const issue = statementsFor(functionByHandler('issue-otp'));
    const check = statementsFor(functionByHandler('check-value'));

    const sesStatement = send.find((statement) =>
      actionsOf([statement]).includes('ses:SendEmail'),
    ) as Statement & {
      Condition?: unknown;
    };
    expect(sesStatement.Condition).toEqual({
      StringEquals: { 'ses:FromAddress': REQUIRED_CONTEXT['secureDelivery:senderEmail'] },
    });
    expect(actionsOf(issue)).not.toContain('ses:SendEmail');
    expect(tableActionsOf('issue-otp', tableId('OtpTable'))).toEqual(['dynamodb:UpdateItem']);
    expect(actionsOf(check).some((action) => /^(ses|secretsmanager):/.test(action))).toBe(false);
    // check-value reads whether a parcel needing no code has one: its issue id, nothing else.
    expect(
      check.filter((statement) => actionsOf([statement]).some((a) => a.startsWith('dynamodb:'))),
    ).toEqual([
      expect.objectContaining({
        Action: 'dynamodb:GetItem',
        Condition: {
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['parcelId', 'issueId'] },
          Null: { 'dynamodb:Attributes': 'false' },
          StringEquals: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
        },
      }),
    ]);
  });

  it('routes the lifecycle events to the lifecycle workflow and the handover to the receipt function', () => {
    const lifecycle = logicalIdOf('AWS::StepFunctions::StateMachine', (r) =>
      JSON.stringify(r.Properties).includes('Apply lifecycle event'),
    );
    const receipt = functionByHandler('send-receipt');

    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['carrier.dispatch'],
        'detail-type': ['Delivery Attempt Failed', 'Parcel Returned', 'Shipment Cancelled'],
      },
      Targets: [Match.objectLike({ Arn: { Ref: lifecycle } })],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['secure-delivery'], 'detail-type': ['Parcel Handover Verified'] },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [receipt, 'Arn'] } })],
    });
  });

  it('puts the recipient routes behind IAM authorization and the driver route behind JWT', () => {
    const routes = Object.values(resources).filter(
      (resource) => resource.Type === 'AWS::ApiGatewayV2::Route',
    );
    const byKey = Object.fromEntries(
      routes.map((route) => [route.Properties.RouteKey, route.Properties.AuthorizationType]),
    );

    expect(byKey).toEqual({
      'POST /parcels/{parcelId}/verify': 'JWT',
      'GET /parcels/{parcelId}/otp': 'AWS_IAM',
      'POST /parcels/{parcelId}/otp/resend': 'AWS_IAM',
    });
  });

  it('keeps the encryption key away from verify and the HMAC key away from the recipient routes', () => {
    const hashKey = logicalIdOf('AWS::KMS::Key', isHmacKey) as string;

    for (const handler of ['track-otp', 'resend-otp', 'send-receipt']) {
      expect(JSON.stringify(statementsFor(functionByHandler(handler)))).not.toContain(hashKey);
    }
    expect(tableActionsOf('track-otp', tableId('OtpTable'))).toEqual(['dynamodb:GetItem']);
  });

  it('keeps recipient details in a table of their own, kept like the code table (PITR, TTL, encrypted, retained)', () => {
    const recipients = resourceById(tableId('RecipientTable'));

    expect(tableId('RecipientTable')).not.toBe(tableId('OtpTable'));
    expect(recipients.Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'parcelId', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      DeletionProtectionEnabled: true,
    });
    expect(recipients).toMatchObject({
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('gives verify and assign-driver no statement and no name of the recipient table', () => {
    const recipients = tableId('RecipientTable');

    for (const handler of ['verify-otp', 'assign-driver']) {
      expect(JSON.stringify(statementsFor(functionByHandler(handler)))).not.toContain(recipients);
      expect(JSON.stringify(resourceById(functionByHandler(handler)).Properties.Environment)).not.toContain(
        recipients,
      );
    }
  });

  it('grants each function only the recipient-table actions it uses: readers GetItem, writers no read', () => {
    const recipients = tableId('RecipientTable');

    for (const reader of ['send-otp-email', 'track-otp', 'resend-otp', 'send-receipt']) {
      expect(tableActionsOf(reader, recipients)).toEqual(['dynamodb:GetItem']);
    }
    for (const writer of ['issue-otp', 'apply-lifecycle']) {
      expect(tableActionsOf(writer, recipients)).toEqual(['dynamodb:DeleteItem', 'dynamodb:UpdateItem']);
    }
    expect(tableActionsOf('check-value', recipients)).toEqual([]);
  });

  it('holds the code hash key in KMS as an HMAC_256 key for GENERATE_VERIFY_MAC, kept on delete, with no hash secret left', () => {
    const keys = Object.entries(resources).filter(
      ([, resource]) => resource.Type === 'AWS::KMS::Key' && isHmacKey(resource),
    );
    const secrets = Object.values(resources).filter(
      (resource) => resource.Type === 'AWS::SecretsManager::Secret',
    );

    expect(keys).toHaveLength(1);
    expect(keys[0]?.[1].Properties).toMatchObject({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    expect(keys[0]?.[1]).toMatchObject({
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
    });
    expect(secrets.map((secret) => String(secret.Properties.Description))).toEqual([
      'Secure Delivery: AES key for recoverable delivery codes',
    ]);
    const environments = Object.values(resources)
      .filter((resource) => resource.Type === 'AWS::Lambda::Function')
      .map((fn) => JSON.stringify(fn.Properties.Environment ?? {}));
    for (const environment of environments) expect(environment).not.toContain('OTP_HASH_SECRET');
  });

  it('lets exactly the functions that hash use the hash key, for kms:GenerateMac only, through its key policy', () => {
    const hashKey = logicalIdOf('AWS::KMS::Key', isHmacKey) as string;
    const hashers = ['issue-otp', 'apply-lifecycle', 'verify-otp'];
    const roleOf = (handler: string) =>
      (resourceById(functionByHandler(handler)).Properties.Role as { 'Fn::GetAtt': [string, string] })[
        'Fn::GetAtt'
      ][0];
    const keyStatements = (
      resourceById(hashKey).Properties.KeyPolicy as {
        Statement: (Statement & { Principal: { AWS: unknown } })[];
      }
    ).Statement;
    const allStatements = Object.values(resources)
      .filter((resource) => resource.Type === 'AWS::IAM::Policy')
      .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);

    const users = keyStatements.filter((statement) =>
      JSON.stringify(statement.Principal).includes('Fn::GetAtt'),
    );
    expect(users.map((statement) => statement.Action)).toEqual(hashers.map(() => 'kms:GenerateMac'));
    expect(users.map((statement) => JSON.stringify(statement.Principal.AWS)).sort()).toEqual(
      hashers.map((handler) => JSON.stringify({ 'Fn::GetAtt': [roleOf(handler), 'Arn'] })).sort(),
    );
    for (const handler of hashers)
      expect(resourceById(functionByHandler(handler)).Properties.Environment).toMatchObject({
        Variables: { OTP_HASH_KEY_ARN: { 'Fn::GetAtt': [hashKey, 'Arn'] } },
      });
    // The account administers the key (no kms:*, no use, no grants); no IAM policy names it.
    const account = keyStatements.filter((statement) =>
      JSON.stringify(statement.Principal).includes(':root'),
    );
    expect(actionsOf(account)).not.toContain('kms:*');
    expect(actionsOf(account).filter((action) => /Mac|Grant|Crypt|Sign|DataKey/.test(action))).toEqual([]);
    expect(JSON.stringify(allStatements)).not.toContain(hashKey);
  });

  it('alarms on failed executions, email failures, lockouts, verify 5xx, per-driver brute force and dead letters', () => {
    const descriptions = Object.values(resources)
      .filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm')
      .map((alarm) => String(alarm.Properties.AlarmDescription));

    for (const expected of [
      'workflow execution failed',
      'email could not be sent',
      'locked answers',
      '5xx',
      'One driver',
      'could not be delivered',
    ]) {
      expect(descriptions.some((description) => description.includes(expected))).toBe(true);
    }
    const insightRule = resourceById(logicalIdOf('AWS::CloudWatch::InsightRule') as string);
    const [, parts] = (insightRule.Properties.RuleBody as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
    const ruleBody = JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'ref')).join(''));
    expect(ruleBody.Contribution).toEqual({
      Keys: ['$.driverId'],
      Filters: [{ Match: '$.outcome', In: ['WRONG_CODE', 'LOCKED'] }],
    });
    const verifyLogGroup = (
      resourceById(functionByHandler('verify-otp')).Properties.LoggingConfig as { LogGroup: unknown }
    ).LogGroup;
    expect(parts).toContainEqual(verifyLogGroup);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('pages on more code hashes a minute than the product asks for, counted by the account (AWS/Usage), whoever calls', () => {
    // Prepare
    const alarmOn = (resourcesOf: Record<string, Resource>) =>
      Object.values(resourcesOf).find(
        (resource) =>
          resource.Type === 'AWS::CloudWatch::Alarm' && resource.Properties.Namespace === 'AWS/Usage',
      )?.Properties;
    const tuned = Template.fromStack(
      new SecureDeliveryStack(
        newApp({ 'secureDelivery:peakParcelsPerMinute': 100, 'secureDelivery:maxWrongAttemptsPerParcel': 5 }),
        'Tuned',
        { env: ENV },
      ),
    ).toJSON().Resources as Record<string, Resource>;

    // Act
    const standard = alarmOn(resources);
    const custom = alarmOn(tuned);

    // Assess: 420 parcels a minute x (10 wrong codes + issue, reissue, right code) = 5,460 MACs.
    expect(standard).toMatchObject({
      MetricName: 'CallCount',
      Dimensions: expect.arrayContaining([
        { Name: 'Service', Value: 'KMS' },
        { Name: 'Type', Value: 'API' },
        { Name: 'Resource', Value: 'GenerateMac' },
        { Name: 'Class', Value: 'None' },
      ]),
      Statistic: 'Sum',
      Period: 60,
      Threshold: 5460,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect((standard?.AlarmActions as unknown[] | undefined)?.length).toBe(1);
    expect(custom?.Threshold).toBe(800);
  });

  it('counts email failures and lockouts from the workflows’ own logs, not from a rule’s best-effort MatchedEvents', () => {
    // Prepare
    const filters = Object.values(resources).filter(
      (resource) => resource.Type === 'AWS::Logs::MetricFilter',
    );
    const alarmMetrics = Object.values(resources)
      .filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm')
      .flatMap((alarm) => JSON.stringify(alarm.Properties));

    // Act
    const counted = filters.map((filter) => ({
      metric: (filter.Properties.MetricTransformations as { MetricName: string }[])[0]?.MetricName,
      pattern: String(filter.Properties.FilterPattern),
    }));

    // Assess: one filter per workflow that emits Email Failed (issuing, lifecycle), one for Locked.
    expect(counted.filter(({ metric }) => metric === 'CodeEmailFailed')).toHaveLength(2);
    expect(counted.filter(({ metric }) => metric === 'ParcelLocked')).toEqual([
      {
        metric: 'ParcelLocked',
        pattern: '{ ($.type = "TaskStateEntered") && ($.details.name = "Emit locked") }',
      },
    ]);
    expect(counted.find(({ metric }) => metric === 'CodeEmailFailed')?.pattern).toContain(
      'Emit email failed',
    );
    expect(alarmMetrics.some((alarm) => alarm.includes('MatchedEvents'))).toBe(false);
    expect(alarmMetrics.some((alarm) => alarm.includes('CodeEmailFailed'))).toBe(true);
    expect(alarmMetrics.some((alarm) => alarm.includes('ParcelLocked'))).toBe(true);
  });

  it('lets each workflow put only its own events on the bus, never a carrier event', () => {
    const machines = Object.values(resources).filter(
      (resource) => resource.Type === 'AWS::StepFunctions::StateMachine',
    );
    const policies = Object.values(resources).filter((resource) => resource.Type === 'AWS::IAM::Policy');

    expect(machines).toHaveLength(2);
    for (const machine of machines) {
      const role = (machine.Properties.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const statements = policies
        .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(role))
        .flatMap(
          (policy) =>
            (
              policy.Properties.PolicyDocument as {
                Statement: (Statement & { Condition?: Record<string, Record<string, unknown>> })[];
              }
            ).Statement,
        );
      const denies = statements.filter(
        (statement) => statement.Effect === 'Deny' && actionsOf([statement]).includes('events:PutEvents'),
      );
      expect(
        denies
          .map((deny) => deny.Condition?.['ForAnyValue:StringNotEquals']?.['events:source'])
          .filter(Boolean),
      ).toEqual([['secure-delivery']]);
      const allowedTypes = denies
        .map((deny) => deny.Condition?.['ForAnyValue:StringNotEquals']?.['events:detail-type'])
        .find(Boolean) as string[];
      expect(allowedTypes).toContain('Delivery Otp Email Failed');
      expect(allowedTypes).not.toContain('Parcel Out For Delivery');
      expect(allowedTypes).not.toContain('Shipment Cancelled');
    }
  });

  it('synthesizes clean under cdk-nag AwsSolutions checks', () => {
    const app = newApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    new SecureDeliveryStack(app, 'Nagged', { env: ENV });

    expect(() => app.synth()).not.toThrow();
  });
});
