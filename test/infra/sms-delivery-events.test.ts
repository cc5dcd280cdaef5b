import { App } from 'aws-cdk-lib';
import { Template as CdkTemplate } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TABLE_ACCESS } from '../../lambdas/contracts/table-access.ts';
import { SecureDeliveryStack } from '../../lib/secure-delivery-stack.ts';
import { type Template, TemplateResolver } from '../../sandbox/emulators/template.ts';
import { simulate, simulatorView } from '../support/iam-simulation.ts';
import { REQUIRED_CONTEXT } from '../support/stack-settings.ts';
import { roleOfFunction } from '../support/template-mutation.ts';

// The synthesized policies, their Fn::* resolved to plain ARNs, evaluated the way AWS evaluates them.
const env = { region: 'eu-central-1', accountId: '123456789012', stackName: 'SmsEvents' };
const IDENTITY = `arn:aws:sms-voice:${env.region}:${env.accountId}:pool/pool-0123456789abcdef`;
const OWN_SET = `arn:aws:sms-voice:${env.region}:${env.accountId}:configuration-set/SmsEvents-CodeDelivery-sms`;

/** The stack with the SMS channel, `context` added, as the simulator and a reader see it. */
function synthesize(context: Record<string, string> = {}) {
  const app = new App({
    context: {
      'aws:cdk:bundling-stacks': [],
      ...REQUIRED_CONTEXT,
      'secureDelivery:smsOriginationIdentityArn': IDENTITY,
      ...context,
    },
  });
  const stack = new SecureDeliveryStack(app, env.stackName, {
    env: { account: env.accountId, region: env.region },
  });
  const template = CdkTemplate.fromStack(stack).toJSON() as Template;
  const resolver = new TemplateResolver(template, env);
  return { template, resolver, view: simulatorView(resolver) };
}

let created: ReturnType<typeof synthesize>;
beforeAll(() => {
  created = synthesize();
}, 60_000);

const resourcesOf = ({ resolver }: { resolver: TemplateResolver }, type: string) =>
  resolver.resourcesOfType(type);
/** The SMS events topic (not the alarm topic) of a synthesized stack. */
const smsTopic = (stack = created) => {
  const [id] = resourcesOf(stack, 'AWS::SNS::Topic').find(([logicalId]) =>
    logicalId.startsWith('CodeDeliverySmsDeliveryEvents'),
  ) ?? [''];
  return { id, arn: stack.resolver.arn(id), resource: stack.resolver.resource(id) };
};

/** What SNS decides for `service` publishing to the SMS events topic on behalf of `sourceArn`. */
function publishAs(service: string, sourceArn: string, sourceAccount = env.accountId, stack = created) {
  const topic = smsTopic(stack);
  return simulate({
    principal: service,
    identityPolicies: [],
    resourcePolicy: stack.view.resourcePolicyOf(topic.arn),
    action: 'sns:Publish',
    resource: topic.arn,
    accountId: env.accountId,
    context: {
      'aws:SourceArn': sourceArn,
      'aws:SourceAccount': sourceAccount,
      'aws:PrincipalIsAWSService': 'true',
      'aws:SecureTransport': 'true',
    },
  });
}

/** What record-sms-delivery's role is told for a code-table request with these condition keys. */
function recorder(action: string, context: Record<string, string | string[]>, table = 'OtpTable') {
  const { roleId } = roleOfFunction(created.template, /lambdas\/record-sms-delivery\//);
  const [tableId] = resourcesOf(created, 'AWS::DynamoDB::Table').find(([id]) => id.startsWith(table)) ?? [''];
  return simulate({
    principal: created.view.sessionOf(roleId),
    identityPolicies: created.view.policiesOf(roleId),
    action,
    resource: created.resolver.arn(tableId),
    accountId: env.accountId,
    context,
  });
}

const ACCESS = TABLE_ACCESS['record-sms-delivery'].OTP_TABLE_NAME;

describe('the SMS delivery events topic', () => {
  it('lets only End User Messaging SMS publish, for our configuration set in this account', async () => {
    // Act
    const ours = await publishAs('sms-voice.amazonaws.com', OWN_SET);
    const otherSet = await publishAs('sms-voice.amazonaws.com', OWN_SET.replace(/sms$/, 'other'));
    const otherAccount = await publishAs(
      'sms-voice.amazonaws.com',
      OWN_SET.replace(env.accountId, '999999999999'),
      '999999999999',
    );
    const otherService = await publishAs('events.amazonaws.com', OWN_SET);

    // Assess
    expect(ours).toBe('Allowed');
    expect([otherSet, otherAccount, otherService]).toEqual([
      'ImplicitlyDenied',
      'ImplicitlyDenied',
      'ImplicitlyDenied',
    ]);
  });

  it('refuses a publish by a role of this account whose own policy allows sns:Publish on every topic (a forged SMS event)', async () => {
    // Prepare: an operator's or another workload's broad role; SES's events cannot be forged so (aws.ses).
    const topic = smsTopic();
    const broad = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'sns:Publish', Resource: '*' }],
    };

    // Act
    const decision = await simulate({
      principal: `arn:aws:sts::${env.accountId}:assumed-role/OperatorRole/session`,
      identityPolicies: [{ name: 'broad', policy: broad }],
      resourcePolicy: created.view.resourcePolicyOf(topic.arn),
      action: 'sns:Publish',
      resource: topic.arn,
      accountId: env.accountId,
      context: {
        'aws:PrincipalAccount': env.accountId,
        'aws:PrincipalIsAWSService': 'false',
        'aws:SecureTransport': 'true',
      },
    });

    // Assess
    expect(decision).not.toBe('Allowed');
  });

  it('is encrypted with a key End User Messaging may use only for our configuration set (it carries phone numbers)', async () => {
    // Prepare
    const topic = smsTopic();
    const keyId = created.resolver.logicalIdOf(
      String(created.resolver.resolve(topic.resource.Properties?.KmsMasterKeyId)),
    );
    const keyArn = created.resolver.arn(String(keyId));
    const useKey = (sourceArn: string) =>
      simulate({
        principal: 'sms-voice.amazonaws.com',
        identityPolicies: [],
        resourcePolicy: created.view.resourcePolicyOf(keyArn),
        action: 'kms:GenerateDataKey',
        resource: keyArn,
        accountId: env.accountId,
        context: { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': env.accountId },
      });

    // Act
    const decisions = [await useKey(OWN_SET), await useKey(OWN_SET.replace(/sms$/, 'other'))];

    // Assess
    expect(keyId).toBeTruthy();
    expect(decisions).toEqual(['Allowed', 'ImplicitlyDenied']);
  });

  it('is the SNS destination of the configuration set the construct creates, for every event about a text’s fate', () => {
    // Prepare
    const [[, set] = []] = resourcesOf(created, 'AWS::SMSVOICE::ConfigurationSet');

    // Act
    const destinations = created.resolver.resolve(set?.Properties?.EventDestinations) as {
      Enabled: boolean;
      MatchingEventTypes: string[];
      SnsDestination: { TopicArn: string };
    }[];

    // Assess
    expect(destinations).toHaveLength(1);
    expect(destinations[0]).toMatchObject({ Enabled: true, SnsDestination: { TopicArn: smsTopic().arn } });
    expect(destinations[0]?.MatchingEventTypes).toEqual(
      expect.arrayContaining([
        'TEXT_DELIVERED',
        'TEXT_SUCCESSFUL',
        'TEXT_BLOCKED',
        'TEXT_CARRIER_UNREACHABLE',
      ]),
    );
    expect(destinations[0]?.MatchingEventTypes).not.toContain('TEXT_ALL');
  });

  it('delivers to record-sms-delivery only, which SNS may invoke for this topic only', () => {
    // Prepare
    const { functionId } = roleOfFunction(created.template, /lambdas\/record-sms-delivery\//);

    // Act
    const subscriptions = resourcesOf(created, 'AWS::SNS::Subscription')
      .map(([, subscription]) => created.resolver.resolve(subscription.Properties) as Record<string, string>)
      .filter((subscription) => subscription.TopicArn === smsTopic().arn);
    const permissions = resourcesOf(created, 'AWS::Lambda::Permission')
      .map(([, permission]) => created.resolver.resolve(permission.Properties) as Record<string, string>)
      .filter((permission) => permission.Principal === 'sns.amazonaws.com');

    // Assess
    expect(subscriptions).toEqual([
      expect.objectContaining({
        Protocol: 'lambda',
        TopicArn: smsTopic().arn,
        Endpoint: created.resolver.arn(functionId),
      }),
    ]);
    expect(permissions).toEqual([
      expect.objectContaining({ Action: 'lambda:InvokeFunction', SourceArn: smsTopic().arn }),
    ]);
  });

  it('lets an adopter’s own configuration set publish, creates none, and outputs the topic to point its destination at', async () => {
    // Prepare
    const adopted = synthesize({ 'secureDelivery:smsConfigurationSetName': 'shop-sms' });
    const theirs = OWN_SET.replace(/SmsEvents-CodeDelivery-sms$/, 'shop-sms');

    // Act
    const decision = await publishAs('sms-voice.amazonaws.com', theirs, env.accountId, adopted);

    // Assess
    expect(decision).toBe('Allowed');
    expect(resourcesOf(adopted, 'AWS::SMSVOICE::ConfigurationSet')).toEqual([]);
    expect(Object.keys((adopted.template as { Outputs?: object }).Outputs ?? {})).toContain(
      'SmsEventsTopicArn',
    );
  });
});

describe('record-sms-delivery on the code table, evaluated as AWS evaluates it', () => {
  it('may record an SMS’s status and claim the undeliverable report, answering nothing', async () => {
    // Act
    const decision = await recorder('dynamodb:UpdateItem', {
      'dynamodb:Attributes': [...ACCESS.update.attributes],
      'dynamodb:ReturnValues': 'NONE',
    });

    // Assess
    expect(decision).toBe('Allowed');
  });

  it.each([
    [
      'an UpdateItem answering the new item',
      { 'dynamodb:Attributes': ['parcelId'], 'dynamodb:ReturnValues': 'ALL_NEW' },
    ],
    [
      'an UpdateItem naming the code hash',
      { 'dynamodb:Attributes': ['parcelId', 'codeHash'], 'dynamodb:ReturnValues': 'NONE' },
    ],
    [
      'an UpdateItem naming the email status',
      { 'dynamodb:Attributes': ['parcelId', 'emailDelivery'], 'dynamodb:ReturnValues': 'NONE' },
    ],
    [
      // An upsert of { parcelId, issueId } fakes a code: check-value then withholds a parcel's Not Required.
      'an UpdateItem naming the issue id (the mark of a code other functions trust)',
      { 'dynamodb:Attributes': ['parcelId', 'issueId'], 'dynamodb:ReturnValues': 'NONE' },
    ],
    [
      'an UpdateItem naming the code’s status',
      { 'dynamodb:Attributes': ['parcelId', 'status'], 'dynamodb:ReturnValues': 'NONE' },
    ],
  ])('is denied %s', async (_, context) => {
    // Act
    const decision = await recorder('dynamodb:UpdateItem', context);

    // Assess
    expect(decision).toBe('ImplicitlyDenied');
  });

  it('may read what tells a stale, early or failed report apart, never the hash, ciphertext or whole item, and nothing of the recipient', async () => {
    // Act
    const state = await recorder('dynamodb:GetItem', {
      'dynamodb:Attributes': [...ACCESS.read],
      'dynamodb:Select': 'SPECIFIC_ATTRIBUTES',
    });
    const denied = await Promise.all([
      recorder('dynamodb:GetItem', {
        'dynamodb:Attributes': ['parcelId', 'codeHash'],
        'dynamodb:Select': 'SPECIFIC_ATTRIBUTES',
      }),
      recorder('dynamodb:GetItem', {
        'dynamodb:Attributes': ['parcelId', 'codeCiphertext'],
        'dynamodb:Select': 'SPECIFIC_ATTRIBUTES',
      }),
      recorder('dynamodb:GetItem', {
        'dynamodb:Attributes': ['parcelId'],
        'dynamodb:Select': 'ALL_ATTRIBUTES',
      }),
      recorder(
        'dynamodb:GetItem',
        { 'dynamodb:Attributes': ['parcelId', 'phone'], 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
        'RecipientTable',
      ),
    ]);

    // Assess
    expect(state).toBe('Allowed');
    expect(denied).toEqual(['ImplicitlyDenied', 'ImplicitlyDenied', 'ImplicitlyDenied', 'ImplicitlyDenied']);
  });

  it('may send no SMS and read no secret', async () => {
    // Prepare
    const { roleId } = roleOfFunction(created.template, /lambdas\/record-sms-delivery\//);
    const actions = created.view
      .policiesOf(roleId)
      .flatMap(({ policy }) => (policy as { Statement: { Action: string | string[] }[] }).Statement)
      .flatMap((statement) => [statement.Action].flat());

    // Assess
    expect(actions.filter((action) => /^(sms-voice|secretsmanager|kms|ses):/.test(action))).toEqual([]);
    expect(actions).toContain('events:PutEvents');
  });
});
