import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Alarm, ComparisonOperator, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { DriverPool } from '../../lib/driver-pool.ts';
import { SecureDeliveryStack } from '../../lib/secure-delivery-stack.ts';
import { REQUIRED_CONTEXT } from '../support/stack-settings.ts';

type Resource = {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};

const ENV = { account: '123456789012', region: 'eu-central-1' };
// Bundling is skipped: these tests assert the template, not the bundles.
const newApp = (context: Record<string, unknown> = {}) =>
  new App({ context: { 'aws:cdk:bundling-stacks': [], ...REQUIRED_CONTEXT, ...context } });

const build = (context: Record<string, unknown> = {}) =>
  new SecureDeliveryStack(newApp(context), 'Test', { env: ENV });

function synth(context: Record<string, unknown> = {}) {
  const stack = build(context);
  const template = Template.fromStack(stack);
  return { stack, template, resources: template.toJSON().Resources as Record<string, Resource> };
}

let template: Template;
let resources: Record<string, Resource>;

beforeAll(() => {
  ({ template, resources } = synth());
});

const ofType = (type: string, from = resources) =>
  Object.entries(from).filter(([, resource]) => resource.Type === type);
const only = (type: string, from = resources): [string, Resource] => {
  const found = ofType(type, from);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0] as [string, Resource];
};
// The handheld's client; the web app has its own (see the driver app's tests).
const handheldClient = (from = resources): [string, Resource] => {
  const found = ofType('AWS::Cognito::UserPoolClient', from).find(([id]) =>
    id.startsWith('DriversPoolHandheld'),
  );
  if (!found) throw new Error('no handheld client');
  return found;
};
const functionByHandler = (handlerName: string) =>
  ofType('AWS::Lambda::Function').find(([, resource]) =>
    JSON.stringify(resource.Properties.Environment).includes(`"POWERTOOLS_SERVICE_NAME":"${handlerName}"`),
  ) as [string, Resource];

describe('driver pool and the verify route', () => {
  it('requires the secure-delivery/verify scope of the pool resource server on the verify route', () => {
    // Act
    const [, server] = only('AWS::Cognito::UserPoolResourceServer');
    const [poolId] = only('AWS::Cognito::UserPool');
    const verifyRoute = ofType('AWS::ApiGatewayV2::Route').find(
      ([, route]) => route.Properties.RouteKey === 'POST /parcels/{parcelId}/verify',
    )?.[1];

    // Assess
    expect(server.Properties).toMatchObject({
      Identifier: 'secure-delivery',
      UserPoolId: { Ref: poolId },
      Scopes: [expect.objectContaining({ ScopeName: 'verify' })],
    });
    expect(verifyRoute?.Properties).toMatchObject({
      AuthorizationType: 'JWT',
      AuthorizationScopes: ['secure-delivery/verify'],
    });
  });

  it('adds the scope to access tokens with a V2 pre-token-generation trigger, which the Plus plan allows', () => {
    // Act
    const [, pool] = only('AWS::Cognito::UserPool');
    const [triggerId, trigger] = functionByHandler('add-token-scope');

    // Assess
    expect(pool.Properties.UserPoolTier).toBe('PLUS');
    expect(pool.Properties.LambdaConfig).toEqual({
      PreTokenGenerationConfig: { LambdaArn: { 'Fn::GetAtt': [triggerId, 'Arn'] }, LambdaVersion: 'V2_0' },
    });
    expect((trigger.Properties.Environment as { Variables: Record<string, string> }).Variables).toMatchObject(
      {
        ACCESS_TOKEN_SCOPES: 'secure-delivery/verify',
      },
    );
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [triggerId, 'Arn'] },
      Principal: 'cognito-idp.amazonaws.com',
    });
  });

  it("keeps the carrier's driver id in a custom attribute the trigger copies into the access token's driver_id claim", () => {
    // Act
    const [, pool] = only('AWS::Cognito::UserPool');
    const [, trigger] = functionByHandler('add-token-scope');
    const [, verify] = functionByHandler('verify-otp');

    // Assess
    expect(pool.Properties.Schema).toContainEqual(
      expect.objectContaining({ Name: 'driver_id', AttributeDataType: 'String', Mutable: true }),
    );
    expect((trigger.Properties.Environment as { Variables: Record<string, string> }).Variables).toMatchObject(
      { DRIVER_ID_ATTRIBUTE: 'custom:driver_id', DRIVER_ID_CLAIM: 'driver_id' },
    );
    expect((verify.Properties.Environment as { Variables: Record<string, string> }).Variables).toMatchObject({
      DRIVER_IDENTITY_PROVIDER: 'cognito',
      DRIVER_ID_CLAIM: 'driver_id',
    });
  });

  it('lets no app client write the driver id: each names what drivers may write (their locale), so only admin APIs set it', () => {
    // Act
    const clients = ofType('AWS::Cognito::UserPoolClient');

    // Assess: an absent or empty list would let a client write every writable attribute
    expect(clients.length).toBeGreaterThanOrEqual(2);
    for (const [, client] of clients) {
      expect(client.Properties.WriteAttributes).toEqual(['locale']);
    }
  });

  it('refuses a driverIdAttribute that is not a custom attribute, naming the prop', () => {
    // Prepare
    const stack = new Stack(newApp(), 'Pool', { env: ENV });

    // Act
    const builds = ['sub', 'email', 'custom:', 'custom:driver-id'].map(
      (attribute) => () => new DriverPool(stack, `P${attribute.length}`, { driverIdAttribute: attribute }),
    );

    // Assess
    for (const build of builds) expect(build).toThrow(/^driverIdAttribute must be a custom attribute/);
  });

  it('answers risky sign-ins of every client: blocks high risk and compromised credentials, asks MFA on medium, notifies the driver from the mail identity', () => {
    // Act
    const [, risk] = only('AWS::Cognito::UserPoolRiskConfigurationAttachment');
    const [poolId, pool] = only('AWS::Cognito::UserPool');
    const [identityId] = only('AWS::SES::EmailIdentity');

    // Assess
    expect(pool.Properties.UserPoolAddOns).toEqual({ AdvancedSecurityMode: 'ENFORCED' });
    expect(risk.Properties).toMatchObject({
      UserPoolId: { Ref: poolId },
      ClientId: 'ALL',
      AccountTakeoverRiskConfiguration: {
        Actions: {
          HighAction: { EventAction: 'BLOCK', Notify: true },
          MediumAction: { EventAction: 'MFA_REQUIRED', Notify: true },
          LowAction: { EventAction: 'NO_ACTION', Notify: false },
        },
        NotifyConfiguration: {
          From: REQUIRED_CONTEXT['secureDelivery:senderEmail'],
          ReplyTo: REQUIRED_CONTEXT['secureDelivery:senderEmail'],
        },
      },
      CompromisedCredentialsRiskConfiguration: {
        Actions: { EventAction: 'BLOCK' },
        EventFilter: ['SIGN_IN', 'PASSWORD_CHANGE'],
      },
    });
    const sourceArn = JSON.stringify(
      (risk.Properties.AccountTakeoverRiskConfiguration as { NotifyConfiguration: { SourceArn: unknown } })
        .NotifyConfiguration.SourceArn,
    );
    expect(sourceArn).toContain(`:identity/${REQUIRED_CONTEXT['secureDelivery:senderEmail']}`);
    expect(identityId).toBeTruthy();
  });

  it('lets the handheld client sign in with SRP and refresh only, with no OAuth flow, callback or scope', () => {
    // Act
    const [, client] = handheldClient();

    // Assess
    expect(client.Properties).toMatchObject({
      ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      AllowedOAuthFlowsUserPoolClient: false,
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
      GenerateSecret: false,
    });
    for (const property of ['AllowedOAuthFlows', 'AllowedOAuthScopes', 'CallbackURLs', 'LogoutURLs']) {
      expect(client.Properties).not.toHaveProperty(property);
    }
  });

  it('keeps access and ID tokens 60 minutes and refresh tokens a 12-hour shift by default', () => {
    // Act
    const [, client] = handheldClient();

    // Assess
    expect(client.Properties).toMatchObject({
      AccessTokenValidity: 60,
      IdTokenValidity: 60,
      RefreshTokenValidity: 720,
      TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'minutes' },
    });
  });

  it('takes token lifetimes from context', () => {
    // Act
    const { resources: configured } = synth({
      'secureDelivery:driverAccessTokenMinutes': 15,
      'secureDelivery:driverRefreshTokenHours': 10,
    });

    // Assess
    expect(handheldClient(configured)[1].Properties).toMatchObject({
      AccessTokenValidity: 15,
      IdTokenValidity: 15,
      RefreshTokenValidity: 600,
    });
  });

  it.each([
    ['an access token under 5 minutes', { 'secureDelivery:driverAccessTokenMinutes': 4 }],
    ['an access token over a day', { 'secureDelivery:driverAccessTokenMinutes': 1441 }],
    [
      'a refresh token shorter than the access token',
      { 'secureDelivery:driverAccessTokenMinutes': 120, 'secureDelivery:driverRefreshTokenHours': 1 },
    ],
    ['an audit log retention CloudWatch does not offer', { 'secureDelivery:auditLogRetentionDays': 100 }],
    ['an alarm email that is not an address', { 'secureDelivery:alarmEmail': 'ops' }],
  ])('fails synth for %s', (_title, context) => {
    // Act and assess
    expect(() => synth(context)).toThrow(/secureDelivery:/);
  });
});

describe('operations', () => {
  it('encrypts the alarm topic with a rotated key CloudWatch may use, and allows publishing over TLS only', () => {
    // Act
    const [topicId, topic] = only('AWS::SNS::Topic');
    // The stack holds other keys too (the code hash key): this is the one the topic names.
    const keyId = (topic.Properties.KmsMasterKeyId as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const key = resources[keyId] as Resource;
    const [, topicPolicy] = only('AWS::SNS::TopicPolicy');
    const keyStatements = (key.Properties.KeyPolicy as { Statement: Record<string, unknown>[] }).Statement;

    // Assess
    expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    expect(key.Properties.EnableKeyRotation).toBe(true);
    const ownAlarmsOnly = {
      StringEquals: { 'aws:SourceAccount': ENV.account },
      ArnLike: {
        'aws:SourceArn': {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, `:cloudwatch:${ENV.region}:${ENV.account}:alarm:*`],
          ],
        },
      },
    };
    expect(keyStatements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        // The key also only for a topic of this account and Region (SNS's encryption context).
        Condition: {
          ...ownAlarmsOnly,
          ArnLike: {
            ...ownAlarmsOnly.ArnLike,
            'kms:EncryptionContext:aws:sns:topicArn': {
              'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:sns:${ENV.region}:${ENV.account}:*`]],
            },
          },
        },
      }),
    );
    const topicStatements = (
      topicPolicy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }
    ).Statement;
    expect(topicPolicy.Properties.Topics).toEqual([{ Ref: topicId }]);
    expect(topicStatements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: { Ref: topicId },
        Condition: ownAlarmsOnly,
      }),
    );
    expect(topicStatements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
  });

  it('gives every alarm in the template the topic as alarm action and OK action', () => {
    // Act
    const [topicId] = only('AWS::SNS::Topic');
    const alarms = ofType('AWS::CloudWatch::Alarm');

    // Assess
    expect(alarms.length).toBeGreaterThanOrEqual(6);
    for (const [, alarm] of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: topicId }]);
    }
  });

  it('gives an alarm another construct adds later inside the construct the topic too, and one beside it in the stack nothing', () => {
    // Prepare
    const stack = build();
    const alarmProps = {
      metric: new Metric({ namespace: 'Test', metricName: 'Late' }),
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    };
    new Alarm(stack.secureDelivery, 'LateAlarm', alarmProps);
    new Alarm(stack, 'NeighbourAlarm', alarmProps);

    // Act
    const late = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;

    // Assess
    const [topicId] = only('AWS::SNS::Topic', late);
    const alarm = (prefix: string) =>
      ofType('AWS::CloudWatch::Alarm', late).find(([id]) => id.startsWith(prefix))?.[1];
    expect(alarm('LateAlarm')?.Properties).toMatchObject({
      AlarmActions: [{ Ref: topicId }],
      OKActions: [{ Ref: topicId }],
    });
    expect(alarm('NeighbourAlarm')?.Properties).toBeDefined();
    expect(alarm('NeighbourAlarm')?.Properties.AlarmActions).toBeUndefined();
    expect(alarm('NeighbourAlarm')?.Properties.OKActions).toBeUndefined();
  });

  it('exposes the topic as a stack output and subscribes the alarm email to it', () => {
    // Act
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;

    // Assess
    expect(outputs.AlarmTopicArn?.Value).toEqual({ Ref: only('AWS::SNS::Topic')[0] });
    expect(only('AWS::SNS::Subscription')[1].Properties).toMatchObject({
      Protocol: 'email',
      Endpoint: REQUIRED_CONTEXT['secureDelivery:alarmEmail'],
      TopicArn: { Ref: only('AWS::SNS::Topic')[0] },
    });
  });

  it('notifies an existing topic named by secureDelivery:alarmTopicArn instead, creating no topic and no subscription', () => {
    // Prepare
    const pager = 'arn:aws:sns:eu-central-1:123456789012:pager';

    // Act
    const { template: withTopic, resources: created } = synth({
      'secureDelivery:alarmEmail': '',
      'secureDelivery:alarmTopicArn': pager,
    });

    // Assess
    expect(ofType('AWS::SNS::Topic', created)).toHaveLength(0);
    expect(ofType('AWS::SNS::Subscription', created)).toHaveLength(0);
    for (const [, alarm] of ofType('AWS::CloudWatch::Alarm', created)) {
      expect(alarm.Properties.AlarmActions).toEqual([pager]);
    }
    expect((withTopic.toJSON().Outputs as Record<string, { Value: unknown }>).AlarmTopicArn?.Value).toBe(
      pager,
    );
  });

  it('fills every series of a metric-math alarm with 0, so a quiet series is no gap', () => {
    // Act
    const expressions = ofType('AWS::CloudWatch::Alarm').flatMap(([, alarm]) =>
      ((alarm.Properties.Metrics ?? []) as { Id: string; Expression?: unknown }[])
        .filter((query) => typeof query.Expression === 'string')
        .map((query) => ({ expression: query.Expression as string, ids: alarm.Properties.Metrics })),
    );

    // Assess
    expect(expressions.length).toBeGreaterThanOrEqual(2);
    for (const { expression, ids } of expressions) {
      const series = (ids as { Id: string; MetricStat?: unknown }[])
        .filter((query) => query.MetricStat)
        .map((query) => query.Id);
      const bare = expression.replace(/FILL\(\w+, 0\)/g, '');
      for (const id of series) {
        expect(expression).toContain(`FILL(${id}, 0)`);
        expect(bare).not.toMatch(new RegExp(`\\b${id}\\b`));
      }
    }
  });

  it('keeps the verify logs and the API access logs a year by default, and keeps them and every dead-letter queue on stack deletion', () => {
    // Act
    const [, verify] = functionByHandler('verify-otp');
    const verifyLogGroupId = (
      (verify.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup as { Ref: string }
    ).Ref;
    const [, stage] = only('AWS::ApiGatewayV2::Stage');
    const accessLogGroupId = (
      (stage.Properties.AccessLogSettings as { DestinationArn: { 'Fn::GetAtt': [string, string] } })
        .DestinationArn as { 'Fn::GetAtt': [string, string] }
    )['Fn::GetAtt'][0];
    const deadLetterQueues = ofType('AWS::SQS::Queue');

    // Assess
    for (const logGroupId of [verifyLogGroupId, accessLogGroupId]) {
      expect(resources[logGroupId]).toMatchObject({
        Properties: { RetentionInDays: 365 },
        DeletionPolicy: 'RetainExceptOnCreate',
        UpdateReplacePolicy: 'Retain',
      });
    }
    // Every queue is a dead-letter queue (the rules' and the handover pipe's): all kept.
    expect(deadLetterQueues.length).toBeGreaterThanOrEqual(2);
    for (const [, queue] of deadLetterQueues) {
      expect(queue).toMatchObject({ DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' });
    }
  });

  it('takes the audit log retention from context', () => {
    // Act
    const { resources: configured } = synth({ 'secureDelivery:auditLogRetentionDays': 731 });

    // Assess
    const retained = ofType('AWS::Logs::LogGroup', configured).filter(
      ([, group]) => group.DeletionPolicy === 'RetainExceptOnCreate',
    );
    expect(retained.map(([, group]) => group.Properties.RetentionInDays)).toEqual([731, 731]);
  });

  it('synthesizes clean under cdk-nag AwsSolutions checks with an alarm email', () => {
    // Prepare
    const app = newApp({ 'secureDelivery:alarmEmail': 'oncall@example.com' });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    new SecureDeliveryStack(app, 'Nagged', { env: ENV });

    // Act and assess
    expect(() => app.synth()).not.toThrow();
  });
});
