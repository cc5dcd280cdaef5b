import { App, Fn, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { ClientAttributes, UserPool } from 'aws-cdk-lib/aws-cognito';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { AccountPrincipal, Role } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { DriverIdentity, SecureDelivery, type SecureDeliveryProps } from '../../lib/index.ts';
import { SecureDeliveryStack } from '../../lib/secure-delivery-stack.ts';
import { REQUIRED_CONTEXT } from '../support/stack-settings.ts';

type Resource = {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
};
type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown; Principal?: unknown };

const ENV = { account: '123456789012', region: 'eu-central-1' };
const SENDER = 'no-reply@parcels.carrier.test';
const DOMAIN_IDENTITY = 'arn:aws:ses:eu-central-1:123456789012:identity/parcels.carrier.test';
const SMS_POOL = 'arn:aws:sms-voice:eu-central-1:123456789012:pool/pool-0123456789abcdef0123456789abcdef';
const OIDC = {
  issuer: 'https://login.example.com/tenant-1/v2.0',
  audience: ['api://secure-delivery'],
  scope: 'handover.verify',
  driverIdClaim: 'employee_id',
};

/** A stack holding one SecureDelivery built from `props` (which may import things into the stack first). */
function synth(
  props: (stack: Stack) => Partial<SecureDeliveryProps> = () => ({}),
  after: (stack: Stack, sd: SecureDelivery) => void = () => undefined,
) {
  // Bundling is skipped: these tests assert the template, not the bundles.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...REQUIRED_CONTEXT } });
  const stack = new Stack(app, 'Estate', { env: ENV });
  const sd = new SecureDelivery(stack, 'SecureDelivery', { mail: { senderEmail: SENDER }, ...props(stack) });
  after(stack, sd);
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
  return { stack, sd, resources };
}

const ofType = (resources: Record<string, Resource>, type: string) =>
  Object.entries(resources).filter(([, resource]) => resource.Type === type);

const functionOf = (resources: Record<string, Resource>, handler: string) =>
  ofType(resources, 'AWS::Lambda::Function').find(([, fn]) =>
    JSON.stringify(fn.Properties?.Environment).includes(`"POWERTOOLS_SERVICE_NAME":"${handler}"`),
  );

const variablesOf = (resources: Record<string, Resource>, handler: string) =>
  ((functionOf(resources, handler)?.[1].Properties?.Environment as { Variables: Record<string, unknown> })
    ?.Variables ?? {}) as Record<string, unknown>;

/** Every statement of every IAM policy attached to the role `roleId`. */
const roleStatements = (resources: Record<string, Resource>, roleId: string | undefined): Statement[] =>
  ofType(resources, 'AWS::IAM::Policy')
    .filter(([, policy]) => JSON.stringify(policy.Properties?.Roles).includes(`"${roleId}"`))
    .flatMap(
      ([, policy]) =>
        (policy.Properties?.PolicyDocument as { Statement: Statement[] } | undefined)?.Statement ?? [],
    );

/** Every statement of every IAM policy attached to `handler`'s role. */
function statementsOf(resources: Record<string, Resource>, handler: string): Statement[] {
  const role = functionOf(resources, handler)?.[1].Properties?.Role as { 'Fn::GetAtt': [string] } | undefined;
  return roleStatements(resources, role?.['Fn::GetAtt'][0]);
}

describe('SecureDelivery with nothing brought', () => {
  const { sd, resources } = synth();

  it('creates its bus, user pool, alarm topic, sender identity and configuration set, and the driver app', () => {
    // Act
    const counts = Object.fromEntries(
      [
        'AWS::Events::EventBus',
        'AWS::Cognito::UserPool',
        'AWS::SNS::Topic',
        'AWS::SES::EmailIdentity',
        'AWS::SES::ConfigurationSet',
        'AWS::CloudFront::Distribution',
      ].map((type) => [type, ofType(resources, type).length]),
    );

    // Assess
    expect(counts).toEqual({
      'AWS::Events::EventBus': 1,
      'AWS::Cognito::UserPool': 1,
      'AWS::SNS::Topic': 1,
      'AWS::SES::EmailIdentity': 1,
      'AWS::SES::ConfigurationSet': 1,
      'AWS::CloudFront::Distribution': 1,
    });
    expect(sd.driverAppUrl).toMatch(/^https:\/\//);
    expect(sd.apiUrl).toBeDefined();
    expect(sd.carrierEventSource).toBe('carrier.dispatch');
  });

  it('synthesizes nothing of SMS without `sms`: no configuration set, no grant, no variable', () => {
    // Act
    const smsSets = ofType(resources, 'AWS::SMSVOICE::ConfigurationSet');
    const smsGrants = ofType(resources, 'AWS::IAM::Policy').filter(([, policy]) =>
      JSON.stringify(policy.Properties?.PolicyDocument).includes('sms-voice:'),
    );
    const smsVariables = ofType(resources, 'AWS::Lambda::Function').filter(([, fn]) =>
      JSON.stringify(fn.Properties?.Environment ?? {}).includes('"SMS_'),
    );

    // Assess
    expect(smsSets).toEqual([]);
    expect(smsGrants).toEqual([]);
    expect(smsVariables.map(([id]) => id)).toEqual([]);
  });

  it('encrypts its tables and queues with AWS-managed keys when no key is given', () => {
    // Act
    const tables = ofType(resources, 'AWS::DynamoDB::Table').map(
      ([, table]) => table.Properties?.SSESpecification,
    );
    const queues = ofType(resources, 'AWS::SQS::Queue').map(([, queue]) => queue.Properties);

    // Assess
    for (const sse of tables) expect(sse).toEqual({ SSEEnabled: true });
    for (const queue of queues) {
      expect(queue?.SqsManagedSseEnabled).toBe(true);
      expect(queue?.KmsMasterKeyId).toBeUndefined();
    }
  });
});

describe('SecureDelivery with the estate’s own resources', () => {
  it('puts its rules on an imported bus of this account, emits there, and creates no bus', () => {
    // Prepare
    const busArn = 'arn:aws:events:eu-central-1:123456789012:event-bus/estate-integration';

    // Act
    const { sd, resources } = synth((stack) => ({
      eventBus: EventBus.fromEventBusArn(stack, 'EstateBus', busArn),
      carrierEventSource: 'acme.dispatch',
    }));

    // Assess
    expect(ofType(resources, 'AWS::Events::EventBus')).toEqual([]);
    const carrierRules = ofType(resources, 'AWS::Events::Rule').filter(([, rule]) =>
      JSON.stringify(rule.Properties?.EventPattern ?? {}).includes('acme.dispatch'),
    );
    expect(carrierRules.length).toBeGreaterThanOrEqual(3);
    for (const [, rule] of carrierRules) expect(rule.Properties?.EventBusName).toBe('estate-integration');
    expect(variablesOf(resources, 'record-delivery').EVENT_BUS_NAME).toBe('estate-integration');
    const [[, pipe] = []] = ofType(resources, 'AWS::Pipes::Pipe');
    expect(pipe?.Properties?.Target).toBe(busArn);
    expect(sd.eventBus.eventBusArn).toBe(busArn);
  });

  it('uses a given user pool: no pool created, its clients and trigger added, the trigger allowed for that pool only', () => {
    // Prepare
    const poolArn = 'arn:aws:cognito-idp:eu-central-1:123456789012:userpool/eu-central-1_Estate1';

    // Act
    const { sd, resources } = synth((stack) => ({
      drivers: DriverIdentity.cognito({
        userPool: UserPool.fromUserPoolArn(stack, 'EstatePool', poolArn),
        driverIdAttribute: 'custom:employee_no',
      }),
    }));

    // Assess
    expect(ofType(resources, 'AWS::Cognito::UserPool')).toEqual([]);
    const clients = ofType(resources, 'AWS::Cognito::UserPoolClient');
    expect(clients.length).toBe(2);
    for (const [, client] of clients) {
      expect(client.Properties?.UserPoolId).toBe('eu-central-1_Estate1');
      expect(client.Properties?.WriteAttributes).toEqual(['locale']);
    }
    const [triggerId] = functionOf(resources, 'add-token-scope') ?? [];
    expect(variablesOf(resources, 'add-token-scope')).toMatchObject({
      DRIVER_ID_ATTRIBUTE: 'custom:employee_no',
      DRIVER_ID_CLAIM: 'driver_id',
    });
    const permissions = ofType(resources, 'AWS::Lambda::Permission').filter(
      ([, permission]) => permission.Properties?.Principal === 'cognito-idp.amazonaws.com',
    );
    expect(permissions.map(([, permission]) => permission.Properties)).toEqual([
      expect.objectContaining({ FunctionName: { 'Fn::GetAtt': [triggerId, 'Arn'] }, SourceArn: poolArn }),
    ]);
    expect(sd.driverPool?.triggerAttached).toBe(false);
    const [[, authorizer] = []] = ofType(resources, 'AWS::ApiGatewayV2::Authorizer');
    expect(authorizer?.Properties?.JwtConfiguration).toMatchObject({
      Issuer: 'https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Estate1',
    });
  });

  it('authorizes drivers of an OIDC provider: its issuer, audience and scope; no pool, trigger or domain', () => {
    // Act
    const { sd, resources } = synth(() => ({ drivers: DriverIdentity.oidc(OIDC), driverApp: false }));

    // Assess
    for (const type of [
      'AWS::Cognito::UserPool',
      'AWS::Cognito::UserPoolClient',
      'AWS::Cognito::UserPoolDomain',
      'AWS::Cognito::UserPoolResourceServer',
    ])
      expect(ofType(resources, type), type).toEqual([]);
    expect(functionOf(resources, 'add-token-scope')).toBeUndefined();
    const [[, authorizer] = []] = ofType(resources, 'AWS::ApiGatewayV2::Authorizer');
    expect(authorizer?.Properties).toMatchObject({
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: OIDC.issuer, Audience: OIDC.audience },
    });
    const verifyRoute = ofType(resources, 'AWS::ApiGatewayV2::Route').find(
      ([, route]) => route.Properties?.RouteKey === 'POST /parcels/{parcelId}/verify',
    )?.[1];
    expect(verifyRoute?.Properties).toMatchObject({
      AuthorizationType: 'JWT',
      AuthorizationScopes: [OIDC.scope],
    });
    expect(variablesOf(resources, 'verify-otp')).toMatchObject({
      DRIVER_IDENTITY_PROVIDER: 'oidc',
      DRIVER_ID_CLAIM: OIDC.driverIdClaim,
    });
    expect(sd.driverPool).toBeUndefined();
  });

  it('deploys the driver app for an OIDC provider: config.json names its issuer, the web client and scope; the CSP its origin and this API', () => {
    // Act
    const { sd, resources } = synth(() => ({
      drivers: DriverIdentity.oidc({ ...OIDC, webClientId: 'driver-web-app' }),
    }));
    const [[apiId] = []] = ofType(resources, 'AWS::ApiGatewayV2::Api');
    const [[, policy] = []] = ofType(resources, 'AWS::CloudFront::ResponseHeadersPolicy');
    const csp = JSON.stringify(policy?.Properties?.ResponseHeadersPolicyConfig ?? {});

    // Assess
    expect(sd.driverAppUrl).toMatch(/^https:\/\//);
    expect(sd.driverPool).toBeUndefined();
    expect(ofType(resources, 'AWS::Cognito::UserPoolClient')).toEqual([]);
    expect(sd.driverApp?.config).toEqual({
      apiUrl: sd.apiUrl,
      authority: OIDC.issuer,
      clientId: 'driver-web-app',
      scope: `openid ${OIDC.scope}`,
    });
    expect(ofType(resources, 'Custom::CDKBucketDeployment')).toHaveLength(1);
    expect(csp).toContain('https://login.example.com');
    expect(csp).not.toContain('tenant-1');
    expect(csp).toContain(JSON.stringify({ 'Fn::GetAtt': [apiId, 'ApiEndpoint'] }));
    expect(csp).not.toContain('*');
  });

  it('sends from a domain identity it is given: no identity created, the grant names that identity and the sender address', () => {
    // Act
    const { resources } = synth(() => ({
      mail: { senderEmail: SENDER, senderIdentityArn: DOMAIN_IDENTITY },
    }));

    // Assess
    expect(ofType(resources, 'AWS::SES::EmailIdentity')).toEqual([]);
    const [send] = statementsOf(resources, 'send-receipt').filter((s) => s.Action === 'ses:SendEmail');
    expect([send?.Resource].flat()[0]).toBe(DOMAIN_IDENTITY);
    expect(send?.Condition).toEqual({ StringEquals: { 'ses:FromAddress': SENDER } });
  });

  it('uses a configuration set it is given: none created, the SES rule and grant name it', () => {
    // Act
    const { resources } = synth(() => ({
      mail: { senderEmail: SENDER, configurationSetName: 'estate-transactional' },
    }));

    // Assess
    expect(ofType(resources, 'AWS::SES::ConfigurationSet')).toEqual([]);
    expect(ofType(resources, 'AWS::SES::ConfigurationSetEventDestination')).toEqual([]);
    const sesRule = ofType(resources, 'AWS::Events::Rule').find(([, rule]) =>
      JSON.stringify(rule.Properties?.EventPattern ?? {}).includes('"aws.ses"'),
    )?.[1];
    expect(sesRule?.Properties?.EventPattern).toMatchObject({
      detail: { mail: { tags: { 'ses:configuration-set': ['estate-transactional'] } } },
    });
    expect(variablesOf(resources, 'send-otp-email').SES_CONFIGURATION_SET).toBe('estate-transactional');
    const [send] = statementsOf(resources, 'send-otp-email').filter((s) => s.Action === 'ses:SendEmail');
    expect(JSON.stringify(send?.Resource)).toContain(':configuration-set/estate-transactional');
  });

  it('sends SMS through a configuration set it is given, creating none', () => {
    // Act
    const { resources } = synth(() => ({
      sms: { originationIdentityArn: SMS_POOL, configurationSetName: 'estate-sms' },
    }));

    // Assess
    expect(ofType(resources, 'AWS::SMSVOICE::ConfigurationSet')).toEqual([]);
    expect(variablesOf(resources, 'resend-otp')).toMatchObject({
      SMS_ORIGINATION_IDENTITY: SMS_POOL,
      SMS_CONFIGURATION_SET: 'estate-sms',
    });
    const [sms] = statementsOf(resources, 'resend-otp').filter(
      (s) => s.Action === 'sms-voice:SendTextMessage',
    );
    expect(JSON.stringify(sms?.Resource)).toContain(':configuration-set/estate-sms');
    expect(JSON.stringify(sms?.Resource)).toContain(SMS_POOL);
  });

  it('takes an SMS origination identity known only at deploy time (an imported value) and grants sending from it', () => {
    // Act
    const { resources } = synth(() => ({
      sms: { originationIdentityArn: Fn.importValue('EstateSmsPoolArn') },
    }));

    // Assess
    const [sms] = statementsOf(resources, 'resend-otp').filter(
      (s) => s.Action === 'sms-voice:SendTextMessage',
    );
    expect(JSON.stringify(sms?.Resource)).toContain('{"Fn::ImportValue":"EstateSmsPoolArn"}');
  });

  it('notifies a topic it is given with its alarms, creates none, and leaves an alarm beside it alone', () => {
    // Prepare
    const topicArn = 'arn:aws:sns:eu-central-1:123456789012:estate-pager';

    // Act
    const { sd, resources } = synth((stack) => ({
      alarmTopic: Topic.fromTopicArn(stack, 'Pager', topicArn),
    }));

    // Assess
    expect(ofType(resources, 'AWS::SNS::Topic')).toEqual([]);
    const alarms = ofType(resources, 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThanOrEqual(7);
    for (const [id, alarm] of alarms) {
      expect(alarm.Properties?.AlarmActions, id).toEqual([topicArn]);
      expect(alarm.Properties?.OKActions, id).toEqual([topicArn]);
    }
    expect(sd.alarmTopic.topicArn).toBe(topicArn);
  });

  it('encrypts every table, queue, log group and its topic with a key it is given, and lets the services use it', () => {
    // Act
    const { resources } = synth((stack) => ({
      encryptionKey: new Key(stack, 'EstateKey', { enableKeyRotation: true }),
    }));

    // Assess
    const [keyId] = ofType(resources, 'AWS::KMS::Key').find(([id]) => id.startsWith('EstateKey')) ?? [];
    const keyArn = { 'Fn::GetAtt': [keyId, 'Arn'] };
    for (const [id, table] of ofType(resources, 'AWS::DynamoDB::Table'))
      expect(table.Properties?.SSESpecification, id).toEqual({
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: keyArn,
      });
    for (const [id, queue] of ofType(resources, 'AWS::SQS::Queue')) {
      expect(queue.Properties?.KmsMasterKeyId, id).toEqual(keyArn);
      expect(queue.Properties?.SqsManagedSseEnabled, id).toBeUndefined();
    }
    const logGroups = ofType(resources, 'AWS::Logs::LogGroup');
    expect(logGroups.length).toBeGreaterThan(10);
    for (const [id, group] of logGroups) expect(group.Properties?.KmsKeyId, id).toEqual(keyArn);
    const [[, topic] = []] = ofType(resources, 'AWS::SNS::Topic');
    expect(topic?.Properties?.KmsMasterKeyId).toEqual(keyArn);
    expect(ofType(resources, 'AWS::KMS::Key').map(([id]) => id.replace(/[0-9A-F]{8}$/, ''))).toEqual([
      'EstateKey',
      'SecureDeliverySecretsCodeHashKey',
    ]);
    const keyPolicy = resources[keyId as string]?.Properties?.KeyPolicy as
      | { Statement: { Sid?: string }[] }
      | undefined;
    const sids = keyPolicy?.Statement.map((statement) => statement.Sid);
    expect(sids).toEqual(
      expect.arrayContaining([
        'SecureDeliveryLogs',
        'SecureDeliveryAlarms',
        'SecureDeliveryDeadLetters',
        'SecureDeliveryThroughServices',
      ]),
    );
  });

  it('creates no driver app when driverApp is false: no bucket, distribution, web client or login domain', () => {
    // Act
    const { sd, resources } = synth(() => ({ driverApp: false }));

    // Assess
    for (const type of [
      'AWS::S3::Bucket',
      'AWS::CloudFront::Distribution',
      'AWS::Cognito::UserPoolDomain',
      'Custom::CDKBucketDeployment',
    ])
      expect(ofType(resources, type), type).toEqual([]);
    expect(ofType(resources, 'AWS::Cognito::UserPoolClient')).toHaveLength(1);
    expect(sd.driverAppUrl).toBeUndefined();
  });

  it('takes its settings, naming a bad one as settings.<name>', () => {
    // Act
    const { resources } = synth(() => ({ settings: { maxResendsPerCode: 5 } }));
    const bad = () => synth(() => ({ settings: { driverAccessTokenMinutes: 2 } }));

    // Assess
    expect(variablesOf(resources, 'resend-otp').MAX_RESENDS_PER_CODE).toBe('5');
    expect(bad).toThrow('settings.driverAccessTokenMinutes must be an integer from 5 to 1440');
  });
});

describe('SecureDelivery refuses props that cannot work, naming the prop', () => {
  it.each<[string, (stack: Stack) => Partial<SecureDeliveryProps>, RegExp]>([
    [
      'an OIDC issuer that is not https://',
      () => ({
        drivers: DriverIdentity.oidc({ ...OIDC, issuer: 'http://login.example.com' }),
        driverApp: false,
      }),
      /^DriverIdentity\.oidc: issuer must be an https:\/\/ URL/,
    ],
    [
      'an empty OIDC audience',
      () => ({ drivers: DriverIdentity.oidc({ ...OIDC, audience: [] }), driverApp: false }),
      /^DriverIdentity\.oidc: audience must name at least one audience/,
    ],
    [
      'an OIDC driver-id claim the authorizer owns',
      () => ({ drivers: DriverIdentity.oidc({ ...OIDC, driverIdClaim: 'aud' }), driverApp: false }),
      /^DriverIdentity\.oidc: driverIdClaim must name the claim/,
    ],
    [
      'an OIDC scope with a space',
      () => ({ drivers: DriverIdentity.oidc({ ...OIDC, scope: 'openid verify' }), driverApp: false }),
      /^DriverIdentity\.oidc: scope must be one scope/,
    ],
    [
      'sub as the Cognito driver id (no custom attribute)',
      () => ({ drivers: DriverIdentity.cognito({ driverIdAttribute: 'sub' }) }),
      /^DriverIdentity\.cognito: driverIdAttribute must be a custom attribute/,
    ],
    [
      'the drivers’ web app with an OIDC provider but no client for it',
      () => ({ drivers: DriverIdentity.oidc(OIDC) }),
      /^DriverIdentity\.oidc: webClientId must name the drivers' web app's client .*or set driverApp: false/,
    ],
    [
      'an SMS origination identity that is not a phone number, pool or sender ID ARN',
      () => ({ sms: { originationIdentityArn: 'pool-secure-delivery' } }),
      /^sms\.originationIdentityArn must be the ARN of a phone number, pool or sender ID/,
    ],
    [
      'an SMS origination identity of another region (the functions send through End User Messaging of theirs)',
      () => ({ sms: { originationIdentityArn: SMS_POOL.replace('eu-central-1', 'eu-west-1') } }),
      /^sms\.originationIdentityArn must be in this stack's region \(eu-central-1\), not eu-west-1/,
    ],
    [
      'an SMS origination identity of another account',
      () => ({ sms: { originationIdentityArn: SMS_POOL.replace('123456789012', '222222222222') } }),
      /^sms\.originationIdentityArn must be in this stack's account \(123456789012\), not 222222222222/,
    ],
    [
      'a sender address outside the domain identity',
      () => ({ mail: { senderEmail: 'no-reply@other.example', senderIdentityArn: DOMAIN_IDENTITY } }),
      /^mail\.senderEmail must be an address the identity mail\.senderIdentityArn verifies \(parcels\.carrier\.test\)/,
    ],
    [
      'a sender address other than the email identity',
      () => ({
        mail: {
          senderEmail: SENDER,
          senderIdentityArn: 'arn:aws:ses:eu-central-1:123456789012:identity/ops@parcels.carrier.test',
        },
      }),
      /^mail\.senderEmail must be an address the identity mail\.senderIdentityArn verifies/,
    ],
    [
      'a sender identity of another region (SES sends with the identities of the functions’ region)',
      () => ({
        mail: {
          senderEmail: SENDER,
          senderIdentityArn: 'arn:aws:ses:us-east-1:123456789012:identity/parcels.carrier.test',
        },
      }),
      /^mail\.senderIdentityArn must be in this stack's region \(eu-central-1\), not us-east-1/,
    ],
    [
      'a sender identity of another account',
      () => ({
        mail: {
          senderEmail: SENDER,
          senderIdentityArn: 'arn:aws:ses:eu-central-1:222222222222:identity/parcels.carrier.test',
        },
      }),
      /^mail\.senderIdentityArn must be in this stack's account \(123456789012\), not 222222222222/,
    ],
    [
      'a sender identity that is not an SES identity ARN',
      () => ({ mail: { senderEmail: SENDER, senderIdentityArn: 'parcels.carrier.test' } }),
      /^mail\.senderIdentityArn must be the ARN of an SES identity/,
    ],
    [
      'a sender on a documentation domain, which SES never verifies',
      () => ({ mail: { senderEmail: 'no-reply@notify.example.org' } }),
      /^mail\.senderEmail must be on a domain you verify in SES, not the documentation placeholder notify\.example\.org/,
    ],
    [
      'a sender that is not an email address',
      () => ({ mail: { senderEmail: 'parcels.carrier.test' } }),
      /^mail\.senderEmail must be an email address/,
    ],
    [
      'a bus in another account',
      (stack) => ({
        eventBus: EventBus.fromEventBusArn(
          stack,
          'Central',
          'arn:aws:events:eu-central-1:222222222222:event-bus/central',
        ),
      }),
      /^eventBus must be in this stack's account \(123456789012\), not 222222222222/,
    ],
    [
      'a user pool in another region (the construct adds its app clients to the pool)',
      (stack) => ({
        drivers: DriverIdentity.cognito({
          userPool: UserPool.fromUserPoolArn(
            stack,
            'Elsewhere',
            'arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Estate1',
          ),
        }),
      }),
      /^DriverIdentity\.cognito: userPool must be in this stack's region \(eu-central-1\), not eu-west-1/,
    ],
    [
      'a user pool in another account',
      (stack) => ({
        drivers: DriverIdentity.cognito({
          userPool: UserPool.fromUserPoolArn(
            stack,
            'Elsewhere',
            'arn:aws:cognito-idp:eu-central-1:222222222222:userpool/eu-central-1_Estate1',
          ),
        }),
      }),
      /^DriverIdentity\.cognito: userPool must be in this stack's account \(123456789012\), not 222222222222/,
    ],
    [
      'a key in another region (tables, queues, topics and log groups take a key of their own region only)',
      (stack) => ({
        encryptionKey: Key.fromKeyArn(
          stack,
          'Elsewhere',
          'arn:aws:kms:us-east-1:123456789012:key/0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6',
        ),
      }),
      /^encryptionKey must be in this stack's region \(eu-central-1\), not us-east-1/,
    ],
    [
      'the product’s own source as the carriers’',
      () => ({ carrierEventSource: 'secure-delivery' }),
      /^carrierEventSource must differ from the product's own source/,
    ],
    [
      'a setting out of range',
      () => ({ settings: { auditLogRetentionDays: 100 } }),
      /^settings\.auditLogRetentionDays must be one of/,
    ],
  ])('fails synth for %s', (_title, props, message) => {
    // Act
    const build = () => synth(props);

    // Assess
    expect(build).toThrow(message);
  });

  it.each<[string, ClientAttributes | undefined]>([
    ['names no write attributes (it may write every attribute)', undefined],
    [
      'may write the driver id',
      new ClientAttributes().withCustomAttributes('driver_id').withStandardAttributes({ email: true }),
    ],
  ])(
    'fails synth for an app client of the drivers’ pool that %s, which would let a driver rename themselves',
    (_title, writeAttributes) => {
      // Act
      const build = () =>
        synth(undefined, (_stack, sd) =>
          sd.driverPool?.userPool.addClient('Dispatcher', writeAttributes ? { writeAttributes } : {}),
        );

      // Assess
      expect(build).toThrow(
        /Dispatcher.*writeAttributes must not include custom:driver_id \(no list writes every attribute\)/,
      );
    },
  );

  it('lets an app client of the drivers’ pool be added that may write other attributes only', () => {
    // Prepare
    const writeAttributes = new ClientAttributes().withStandardAttributes({ email: true });

    // Act
    const { resources } = synth(undefined, (_stack, sd) =>
      sd.driverPool?.userPool.addClient('Dispatcher', { writeAttributes }),
    );

    // Assess
    expect(ofType(resources, 'AWS::Cognito::UserPoolClient')).toHaveLength(3);
  });

  it('warns at synth that a given user pool’s owner must attach the token trigger, without which no driver verifies', () => {
    // Prepare
    const poolArn = 'arn:aws:cognito-idp:eu-central-1:123456789012:userpool/eu-central-1_Estate1';

    // Act
    const { stack } = synth((stack) => ({
      drivers: DriverIdentity.cognito({ userPool: UserPool.fromUserPoolArn(stack, 'EstatePool', poolArn) }),
    }));
    const created = synth();

    // Assess
    Annotations.fromStack(stack).hasWarning(
      '*',
      Match.stringLikeRegexp(
        'attach .*tokenScopeFunction.* as its pre-token-generation trigger, event version V2_0',
      ),
    );
    Annotations.fromStack(created.stack).hasNoWarning('*', Match.stringLikeRegexp('tokenScopeFunction'));
  });

  it('refuses grantPublishCarrierEvents for something that is no account id', () => {
    // Act
    const grant = () => synth(undefined, (_stack, sd) => sd.grantPublishCarrierEvents('1234'));

    // Assess
    expect(grant).toThrow('grantPublishCarrierEvents takes a grantable or a 12-digit account id, got 1234');
  });

  it('refuses grantRecipientApi for a principal of another account, which an HTTP API cannot let in', () => {
    // Act
    const grant = () =>
      synth(undefined, (stack, sd) =>
        sd.grantRecipientApi(Role.fromRoleArn(stack, 'Foreign', 'arn:aws:iam::333333333333:role/shop')),
      );

    // Assess
    expect(grant).toThrow(/^grantRecipientApi needs a principal of this account/);
  });
});

describe('the repository app (SecureDeliveryStack over SecureDelivery)', () => {
  it('keeps the logical IDs its stateful resources were first deployed with', () => {
    // Prepare
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...REQUIRED_CONTEXT } });
    const stack = new SecureDeliveryStack(app, 'SecureDelivery', { env: ENV });

    // Act
    const resources = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
    const stateful = Object.entries(resources)
      .filter(([, resource]) => resource.DeletionPolicy === 'RetainExceptOnCreate')
      .map(([id, resource]) => `${resource.Type} ${id}`)
      .sort();

    // Assess
    expect(stateful).toEqual(
      [
        'AWS::Cognito::UserPool DriversPool068A626E',
        'AWS::DynamoDB::Table OtpTable785D2E9D',
        'AWS::DynamoDB::Table RecipientTableFBAE498F',
        'AWS::KMS::Key OperationsAlarmTopicKey52078457',
        'AWS::KMS::Key SecretsCodeHashKeyED31E220',
        'AWS::Logs::LogGroup VerifyApiAccessLogs6AE04F5B',
        'AWS::Logs::LogGroup VerifyApiVerifyLogsB2A16FBA',
        'AWS::SQS::Queue CodeDeliverySesEventsDeadLettersEFA2DAFC',
        'AWS::SQS::Queue EventsDeadLetters8A90034E',
        'AWS::SQS::Queue HandoverEventsDeadLetters2128B21C',
        'AWS::SecretsManager::Secret SecretsEncryptionKeyBE59B073',
      ].sort(),
    );
    expect(Object.keys(resources)).toContain('EventsBus45DE4339');
  });

  it('turns SMS on when context names an origination identity, and only then', () => {
    // Prepare
    const build = (context: Record<string, unknown>) =>
      Template.fromStack(
        new SecureDeliveryStack(
          new App({ context: { 'aws:cdk:bundling-stacks': [], ...REQUIRED_CONTEXT, ...context } }),
          'SecureDelivery',
          { env: ENV },
        ),
      ).toJSON().Resources as Record<string, Resource>;

    // Act
    const without = build({});
    const withSms = build({ 'secureDelivery:smsOriginationIdentityArn': SMS_POOL });

    // Assess
    expect(ofType(without, 'AWS::SMSVOICE::ConfigurationSet')).toHaveLength(0);
    expect(variablesOf(without, 'resend-otp').SMS_ORIGINATION_IDENTITY).toBeUndefined();
    expect(ofType(withSms, 'AWS::SMSVOICE::ConfigurationSet')).toHaveLength(1);
    expect(variablesOf(withSms, 'resend-otp').SMS_ORIGINATION_IDENTITY).toBe(SMS_POOL);
  });

  it('lets a shop backend in another account call the recipient routes through a role here it may assume', () => {
    // Prepare
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...REQUIRED_CONTEXT } });
    const stack = new SecureDeliveryStack(app, 'SecureDelivery', { env: ENV });
    const shopRole = new Role(stack, 'ShopBackend', { assumedBy: new AccountPrincipal('333333333333') });

    // Act
    stack.secureDelivery.grantRecipientApi(shopRole);
    const resources = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;

    // Assess
    const [roleId, role] =
      ofType(resources, 'AWS::IAM::Role').find(([id]) => id.startsWith('ShopBackend')) ?? [];
    expect(JSON.stringify(role?.Properties?.AssumeRolePolicyDocument)).toContain(':iam::333333333333:root');
    const statements = roleStatements(resources, roleId);
    expect(statements.map((statement) => statement.Action)).toEqual(['execute-api:Invoke']);
    expect(JSON.stringify(statements[0]?.Resource)).toContain('/$default/GET/parcels/*/otp');
    expect(JSON.stringify(statements[0]?.Resource)).toContain('/$default/POST/parcels/*/otp/resend');
    expect(JSON.stringify(statements[0]?.Resource)).not.toContain('verify');
  });
});
