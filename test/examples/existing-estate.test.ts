import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { ESTATE, ParcelPlatformStack } from '../../examples/existing-estate/estate.ts';

type Resource = { Type: string; Properties?: Record<string, unknown> };

let stack: ParcelPlatformStack;
let resources: Record<string, Resource>;
const arn = (service: string, resource: string) =>
  `arn:aws:${service}:${ESTATE.region}:${ESTATE.platform}:${resource}`;
const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);

beforeAll(() => {
  // Bundling is skipped: the test asserts the template, not the bundles.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  stack = new ParcelPlatformStack(app, 'ParcelPlatform');
  // cdk-nag fails the synth on any unacknowledged finding.
  app.synth();
  resources = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
}, 60_000);

describe('examples/existing-estate: SecureDelivery in an estate that brings everything', () => {
  it('creates no bus, user pool, alarm topic, SES identity or configuration set, SMS configuration set or key', () => {
    // Act
    const created = [
      'AWS::Events::EventBus',
      'AWS::Cognito::UserPool',
      'AWS::SNS::Topic',
      'AWS::SES::EmailIdentity',
      'AWS::SES::ConfigurationSet',
      'AWS::SMSVOICE::ConfigurationSet',
      'AWS::CloudFront::Distribution',
    ].flatMap((type) => ofType(type).map(([id]) => `${type} ${id}`));
    const keys = ofType('AWS::KMS::Key').map(([id]) => id);

    // Assess: the one topic is the SMS events topic (the estate's set reports to it, on the estate's key);
    // the one key created is the code-hash HMAC key (its material never leaves KMS)
    expect(created).toEqual([
      expect.stringMatching(/^AWS::SNS::Topic SecureDeliveryCodeDeliverySmsDeliveryEvents/),
    ]);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^SecureDeliverySecretsCodeHashKey/);
  });

  it('puts its rules on the integration bus and lets the dispatch account publish only carrier events there', () => {
    // Act
    const rules = ofType('AWS::Events::Rule').filter(([, rule]) =>
      JSON.stringify(rule.Properties?.EventPattern ?? {}).includes('acme.dispatch'),
    );
    const busPolicies = ofType('AWS::Events::EventBusPolicy').map(([, policy]) => policy.Properties);

    // Assess
    expect(rules.length).toBeGreaterThanOrEqual(3);
    for (const [, rule] of rules) expect(rule.Properties?.EventBusName).toBe('parcel-integration');
    expect(busPolicies).toEqual([
      expect.objectContaining({
        EventBusName: 'parcel-integration',
        Statement: expect.objectContaining({
          Principal: {
            AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${ESTATE.dispatch}:root`]] },
          },
          Condition: expect.objectContaining({
            'ForAllValues:StringEquals': expect.objectContaining({ 'events:source': ['acme.dispatch'] }),
          }),
        }),
      }),
    ]);
  });

  it('authorizes drivers with the OIDC provider and sends from the domain identity, SMS pool and configuration sets given', () => {
    // Act
    const [[, authorizer] = []] = ofType('AWS::ApiGatewayV2::Authorizer');
    const variables = (handler: string) =>
      (
        ofType('AWS::Lambda::Function').find(([, fn]) =>
          JSON.stringify(fn.Properties?.Environment).includes(`"POWERTOOLS_SERVICE_NAME":"${handler}"`),
        )?.[1].Properties?.Environment as { Variables: Record<string, unknown> } | undefined
      )?.Variables;
    const sendPolicy = ofType('AWS::IAM::Policy').find(([, policy]) =>
      JSON.stringify(policy.Properties?.PolicyDocument).includes('ses:SendEmail'),
    )?.[1];

    // Assess
    expect(authorizer?.Properties?.JwtConfiguration).toEqual({
      Issuer: 'https://login.microsoftonline.com/6f3c2a7e-0000-4000-8000-000000000001/v2.0',
      Audience: ['3b9d1c4e-0000-4000-8000-00000000a9e1'],
    });
    expect(variables('verify-otp')).toMatchObject({
      DRIVER_IDENTITY_PROVIDER: 'oidc',
      DRIVER_ID_CLAIM: 'employee_id',
    });
    expect(variables('resend-otp')).toMatchObject({
      SENDER_EMAIL: 'parcels@notify.acme.example',
      SES_CONFIGURATION_SET: 'acme-transactional',
      SMS_CONFIGURATION_SET: 'acme-sms',
      SMS_ORIGINATION_IDENTITY: arn('sms-voice', 'pool/pool-0a1b2c3d4e5f60718293a4b5c6d7e8f9'),
    });
    expect(JSON.stringify(sendPolicy?.Properties?.PolicyDocument)).toContain(
      arn('ses', 'identity/notify.acme.example'),
    );
  });

  it('sends every alarm of the construct to the pager topic, encrypts with the platform key, and says what the key needs', () => {
    // Act
    const alarms = ofType('AWS::CloudWatch::Alarm');
    const key = arn('kms', 'key/0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6');
    const warnings = stack.secureDelivery.node.metadata
      .filter((entry) => entry.type === 'aws:cdk:warning')
      .map((entry) => String(entry.data));

    // Assess
    expect(alarms.length).toBeGreaterThanOrEqual(7);
    for (const [id, alarm] of alarms)
      expect(alarm.Properties?.AlarmActions, id).toEqual([arn('sns', 'platform-pager')]);
    for (const [id, table] of ofType('AWS::DynamoDB::Table'))
      expect(table.Properties?.SSESpecification, id).toMatchObject({ KMSMasterKeyId: key });
    for (const [id, group] of ofType('AWS::Logs::LogGroup')) expect(group.Properties?.KmsKeyId, id).toBe(key);
    expect(warnings.some((warning) => warning.includes('encryptionKey is imported'))).toBe(true);
  });

  it('lets the shop backend’s account assume a role that may call the recipient routes only', () => {
    // Act
    const roleId = stack.getLogicalId(stack.shopBackendRole.node.defaultChild as never);
    const statements = ofType('AWS::IAM::Policy')
      .filter(([, policy]) => JSON.stringify(policy.Properties?.Roles).includes(`"${roleId}"`))
      .flatMap(
        ([, policy]) =>
          (policy.Properties?.PolicyDocument as { Statement: { Action: unknown }[] } | undefined)
            ?.Statement ?? [],
      );

    // Assess
    expect(JSON.stringify(resources[roleId]?.Properties?.AssumeRolePolicyDocument)).toContain(
      `:iam::${ESTATE.shop}:root`,
    );
    expect(statements.map((statement) => statement.Action)).toEqual(['execute-api:Invoke']);
  });
});
