import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { SecureDeliveryStack } from '../../lib/secure-delivery-stack.ts';
import { REQUIRED_CONTEXT } from '../support/stack-settings.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Action: string | string[]; Resource: unknown; Effect: string; Condition?: unknown };

const ENV = { account: '123456789012', region: 'eu-central-1' };
const IDENTITY =
  'arn:aws:sms-voice:eu-central-1:123456789012:phone-number/phone-0123456789abcdef0123456789abcdef';

let resources: Record<string, Resource>;

beforeAll(() => {
  const app = new App({
    context: {
      'aws:cdk:bundling-stacks': [],
      ...REQUIRED_CONTEXT,
      'secureDelivery:smsOriginationIdentityArn': IDENTITY,
    },
  });
  resources = Template.fromStack(new SecureDeliveryStack(app, 'Test', { env: ENV })).toJSON().Resources;
});

const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);

const functionId = (handlerName: string) =>
  ofType('AWS::Lambda::Function').find(([, resource]) =>
    JSON.stringify(resource.Properties.Environment).includes(`"POWERTOOLS_SERVICE_NAME":"${handlerName}"`),
  )?.[0] ?? '';

function statementsOf(handlerName: string): Statement[] {
  const fn = resources[functionId(handlerName)];
  if (!fn) throw new Error(`no function ${handlerName}`);
  const role = (fn.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
  return ofType('AWS::IAM::Policy')
    .filter(([, policy]) => JSON.stringify(policy.Properties.Roles).includes(role))
    .flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

describe('Code delivery infrastructure', () => {
  it('blocks code SMS to every country but the markets of the configured currencies, in the configuration set it creates', () => {
    // Prepare
    const [[protectId, protect] = ['', undefined]] = ofType('AWS::SMSVOICE::ProtectConfiguration');
    const rules = (
      (protect as Resource).Properties.CountryRuleSet as {
        SMS: { CountryCode: string; ProtectStatus: string }[];
      }
    ).SMS;

    // Act
    const allowed = rules.filter((rule) => rule.ProtectStatus === 'ALLOW').map((rule) => rule.CountryCode);
    const blocked = rules.filter((rule) => rule.ProtectStatus === 'BLOCK').map((rule) => rule.CountryCode);

    // Assess: EUR, GBP, USD and CHF, the default thresholds' currencies.
    expect(allowed).toEqual(expect.arrayContaining(['DE', 'AT', 'FR', 'GB', 'US', 'CH', 'LI']));
    expect(allowed).toHaveLength(28);
    expect(blocked).toEqual(expect.arrayContaining(['CU', 'KP', 'RU', 'NG', 'SO']));
    expect(rules).toHaveLength(242);
    const [[, configurationSet] = ['', undefined]] = ofType('AWS::SMSVOICE::ConfigurationSet');
    expect(configurationSet?.Properties.ProtectConfigurationId).toEqual({
      'Fn::GetAtt': [protectId, 'ProtectConfigurationId'],
    });
  });

  it('gives every texting function the price cap and the per-number daily limit', () => {
    // Prepare
    const texting = ['record-delivery', 'resend-otp', 'send-otp-email', 'sweep-delayed'];

    // Act
    const variables = texting.map(
      (handler) =>
        (
          (resources[functionId(handler)] as Resource).Properties.Environment as {
            Variables: Record<string, string>;
          }
        ).Variables,
    );

    // Assess: each sender names the protect configuration itself, not only through the configuration set.
    const [[protectId] = []] = ofType('AWS::SMSVOICE::ProtectConfiguration');
    for (const set of variables)
      expect(set).toMatchObject({
        SMS_MAX_PRICE: '0.30',
        SMS_DAILY_LIMIT_PER_NUMBER: '5',
        SMS_PROTECT_CONFIGURATION_ID: { 'Fn::GetAtt': [protectId, 'ProtectConfigurationId'] },
      });
  });

  it('gives the SES configuration set an EventBridge destination on the default bus for the status events', () => {
    // Prepare, Act: the template (beforeAll)
    const [[, destination] = []] = ofType('AWS::SES::ConfigurationSetEventDestination');
    const [[setId] = []] = ofType('AWS::SES::ConfigurationSet');

    // Assess
    expect(destination?.Properties.ConfigurationSetName).toEqual({ Ref: setId });
    const eventDestination = destination?.Properties.EventDestination as Record<string, unknown>;
    expect(eventDestination.Enabled).toBe(true);
    expect(JSON.stringify(eventDestination.EventBridgeDestination)).toContain(':event-bus/default');
    expect(eventDestination.MatchingEventTypes).toEqual(
      expect.arrayContaining(['send', 'delivery', 'deliveryDelay', 'bounce', 'complaint', 'reject']),
    );
  });

  it('has the SES configuration set require TLS, so a code never travels over plaintext SMTP', () => {
    // Prepare, Act: the template (beforeAll)
    const [[, set] = []] = ofType('AWS::SES::ConfigurationSet');

    // Assess
    expect(set?.Properties.DeliveryOptions).toMatchObject({ TlsPolicy: 'REQUIRE' });
  });

  it('routes aws.ses events of our configuration set on the default bus to record-delivery, with a DLQ', () => {
    // Prepare
    const [[setId] = []] = ofType('AWS::SES::ConfigurationSet');

    // Act
    const rules = ofType('AWS::Events::Rule').filter(([, rule]) =>
      JSON.stringify(rule.Properties.EventPattern ?? {}).includes('"aws.ses"'),
    );

    // Assess: bounces apart (their input carries the bounce type), every other status in one rule.
    expect(rules).toHaveLength(2);
    const detailTypes = rules.flatMap(
      ([, rule]) => (rule.Properties.EventPattern as { 'detail-type': string[] })['detail-type'],
    );
    expect(detailTypes.sort()).toEqual([
      'Email Bounced',
      'Email Complaint Received',
      'Email Delivered',
      'Email Delivery Delayed',
      'Email Rejected',
    ]);
    for (const [, rule] of rules) {
      expect(rule.Properties.EventBusName).toBeUndefined();
      expect(rule.Properties.EventPattern).toMatchObject({
        source: ['aws.ses'],
        detail: { mail: { tags: { 'ses:configuration-set': [{ Ref: setId }] } } },
      });
      const [target] = (rule.Properties.Targets ?? []) as { Arn: unknown; DeadLetterConfig?: unknown }[];
      expect(JSON.stringify(target?.Arn)).toContain(functionId('record-delivery'));
      expect(target?.DeadLetterConfig).toBeDefined();
    }
  });

  it('gives record-delivery only the detail-type, event type, message id, parcel tag and bounce type of an SES event, never the recipient’s address', () => {
    // Prepare
    const targets = ofType('AWS::Events::Rule')
      .filter(([, rule]) => JSON.stringify(rule.Properties.EventPattern ?? {}).includes('"aws.ses"'))
      .flatMap(
        ([, rule]) =>
          rule.Properties.Targets as { InputTransformer?: { InputPathsMap: Record<string, string> } }[],
      );

    // Act
    const paths = targets.map((target) => Object.values(target.InputTransformer?.InputPathsMap ?? {}).sort());

    // Assess
    expect(paths.sort()).toEqual([
      [
        '$.detail-type',
        '$.detail.bounce.bounceType',
        '$.detail.eventType',
        '$.detail.mail.messageId',
        '$.detail.mail.tags.parcel',
      ],
      ['$.detail-type', '$.detail.eventType', '$.detail.mail.messageId', '$.detail.mail.tags.parcel'],
    ]);
  });

  it('keeps what record-delivery could not take in a queue of its own for 4 days, not in the shared one for 14', () => {
    // Prepare
    const recordDelivery = functionId('record-delivery');
    const invokeConfig = ofType('AWS::Lambda::EventInvokeConfig').find(([, config]) =>
      JSON.stringify(config.Properties.FunctionName).includes(recordDelivery),
    )?.[1];
    const onFailure = (
      invokeConfig?.Properties.DestinationConfig as
        | { OnFailure: { Destination: { 'Fn::GetAtt': [string] } } }
        | undefined
    )?.OnFailure.Destination['Fn::GetAtt'][0] as string;
    const sesTargets = ofType('AWS::Events::Rule')
      .filter(([, rule]) => JSON.stringify(rule.Properties.EventPattern ?? {}).includes('"aws.ses"'))
      .flatMap(
        ([, rule]) => rule.Properties.Targets as { DeadLetterConfig: { Arn: { 'Fn::GetAtt': [string] } } }[],
      );

    // Act
    const queue = resources[onFailure]?.Properties;
    const shared = ofType('AWS::SQS::Queue').filter(([id]) => id.startsWith('EventsDeadLetters'));

    // Assess
    expect(queue?.MessageRetentionPeriod).toBe(4 * 86_400);
    for (const target of sesTargets) expect(target.DeadLetterConfig.Arn['Fn::GetAtt'][0]).toBe(onFailure);
    expect(shared.map(([id]) => id)).not.toContain(onFailure);
  });

  it('lets only record-delivery, resend, the send step and the receipt text, through the configuration set, protect configuration and origination identity only', () => {
    // Prepare
    const smsStatements = (handlerName: string) =>
      statementsOf(handlerName).filter((statement) =>
        [statement.Action].flat().some((action) => action.startsWith('sms-voice:')),
      );

    const [[smsSetId] = []] = ofType('AWS::SMSVOICE::ConfigurationSet');
    const [[protectId] = []] = ofType('AWS::SMSVOICE::ProtectConfiguration');

    // Act
    const granted = ['record-delivery', 'resend-otp', 'send-otp-email', 'send-receipt'].map(smsStatements);

    // Assess
    for (const statements of granted) {
      expect(statements).toHaveLength(1);
      expect(statements[0]?.Action).toBe('sms-voice:SendTextMessage');
      const resourcesGranted = JSON.stringify(statements[0]?.Resource);
      expect(resourcesGranted).toContain(IDENTITY);
      // The created set's name, from the stack's name and the construct's path (its SNS topic's policy names it).
      expect(resourcesGranted).toContain(':configuration-set/Test-CodeDelivery-sms"');
      expect(resourcesGranted).toContain(
        `:protect-configuration/",{"Fn::GetAtt":["${protectId}","ProtectConfigurationId"]}`,
      );
      expect([statements[0]?.Resource].flat()).toHaveLength(3);
      expect(resourcesGranted).not.toContain('"*"');
    }
    for (const other of ['verify-otp', 'track-otp', 'assign-driver'])
      expect(smsStatements(other), other).toEqual([]);
    const [[, smsSet] = []] = ofType('AWS::SMSVOICE::ConfigurationSet');
    expect(smsSet?.Type).toBe('AWS::SMSVOICE::ConfigurationSet');
    expect(smsSet?.Properties?.ConfigurationSetName).toBe('Test-CodeDelivery-sms');
    expect(smsSetId).toBeTruthy();
  });

  it('gives verify no grant on anything SMS or SES-event related', () => {
    // Prepare, Act
    const actions = statementsOf('verify-otp').flatMap((statement) => [statement.Action].flat());

    // Assess
    expect(actions.filter((action) => /^(sms-voice|ses|events):/.test(action))).toEqual([]);
  });

  it('alarms, through the alarm topic, on Delivery Otp Undeliverable as the publishing functions count it (EMF), not on a rule’s MatchedEvents', () => {
    // Prepare
    const [[topicId] = []] = ofType('AWS::SNS::Topic').filter(([id]) =>
      id.startsWith('OperationsAlarmTopic'),
    );

    // Act
    const alarm = ofType('AWS::CloudWatch::Alarm').find(([, candidate]) =>
      String(candidate.Properties.AlarmDescription).includes('reached the recipient on no channel'),
    )?.[1].Properties;
    const signal = ofType('AWS::Events::Rule').find(([, rule]) =>
      JSON.stringify(rule.Properties.EventPattern ?? {}).includes('Delivery Otp Undeliverable'),
    );

    // Assess
    expect(signal).toBeUndefined();
    expect(alarm).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    const metrics = (
      (alarm?.Metrics ?? []) as { MetricStat?: { Metric: Record<string, unknown> } }[]
    ).flatMap((query) => (query.MetricStat ? [query.MetricStat.Metric] : []));
    expect(metrics).toEqual(
      ['record-delivery', 'sweep-delayed', 'record-sms-delivery'].map((service) => ({
        Namespace: 'SecureDelivery',
        MetricName: 'CodeUndeliverable',
        Dimensions: [{ Name: 'service', Value: service }],
      })),
    );
    expect(alarm?.AlarmActions).toEqual([{ Ref: topicId }]);
  });
});

describe('Delayed-email sweep', () => {
  it('runs on a schedule (every 5 minutes) with the 30-minute timeout and Query on the keys-only delayed index', () => {
    // Prepare, Act: the template (beforeAll)
    const schedule = ofType('AWS::Events::Rule').find(([, rule]) => rule.Properties.ScheduleExpression);
    const sweep = resources[functionId('sweep-delayed')];
    const [, table] = ofType('AWS::DynamoDB::Table').find(([id]) => id.startsWith('OtpTable')) ?? [];

    // Assess
    expect(schedule?.[1].Properties.ScheduleExpression).toBe('rate(5 minutes)');
    expect(JSON.stringify(schedule?.[1].Properties.Targets)).toContain(functionId('sweep-delayed'));
    expect(JSON.stringify(sweep?.Properties.Environment)).toContain('"EMAIL_DELAYED_TIMEOUT_SECONDS":"1800"');
    expect(table?.Properties.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'DelayedEmails',
        KeySchema: [
          { AttributeName: 'delayedShard', KeyType: 'HASH' },
          { AttributeName: 'delayedAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ]);
    const actions = statementsOf('sweep-delayed').flatMap((statement) => [statement.Action].flat());
    expect(actions).toContain('dynamodb:Query');
    expect(actions).toContain('sms-voice:SendTextMessage');
  });
});
