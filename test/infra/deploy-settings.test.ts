/**
 * A first deploy that works or stops before anything is created: the repository's stack refuses to
 * synthesize without the settings no default can stand in for, and what it creates is named per stack
 * (and Region, where the service is global) and kept only once it was created.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SecureDeliveryStack } from '../../lib/secure-delivery-stack.ts';
import { accountWideNames } from '../support/physical-names.ts';
import { REQUIRED_CONTEXT } from '../support/stack-settings.ts';

type Resource = {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};
type Synthesized = { Resources: Record<string, Resource>; Rules?: Record<string, unknown> };

const ENV = { account: '123456789012', region: 'eu-central-1' };

/** The stack as `bin/app.ts` builds it: environment from context or CDK_DEFAULT_*, settings from context. */
function synth(context: Record<string, unknown>, stackName = 'Prod', env?: typeof ENV): Synthesized {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = new SecureDeliveryStack(app, stackName, env ? { env } : {});
  return Template.fromStack(stack).toJSON() as Synthesized;
}

const ofType = (template: Synthesized, type: string) =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('settings a deployment cannot do without', () => {
  it('fails synth naming the sender, the alarm destination and the account, each with its context key and an example, when none is set', () => {
    // Prepare
    vi.stubEnv('CDK_DEFAULT_ACCOUNT', '');
    vi.stubEnv('CDK_DEFAULT_REGION', 'us-east-1');

    // Act
    const attempt = () => synth({});

    // Assess
    expect(attempt).toThrow(/-c secureDelivery:senderEmail=no-reply@/);
    expect(attempt).toThrow(
      /secureDelivery:alarmEmail or secureDelivery:alarmTopicArn: .*-c secureDelivery:alarmEmail=/,
    );
    expect(attempt).toThrow(/-c secureDelivery:account=123456789012/);
    expect(attempt).not.toThrow(/secureDelivery:region/);
  });

  it('names the Region too when neither context nor CDK_DEFAULT_REGION gives one', () => {
    // Prepare
    vi.stubEnv('CDK_DEFAULT_ACCOUNT', '');
    vi.stubEnv('CDK_DEFAULT_REGION', '');

    // Act and assess
    expect(() => synth(REQUIRED_CONTEXT)).toThrow(/-c secureDelivery:region=eu-central-1/);
  });

  it.each([
    'no-reply@example.com',
    'no-reply@secure-delivery.example.com',
    'parcels@notify.example.net',
    'parcels@EXAMPLE.ORG',
  ])('refuses the documentation domain of %s as sender, naming secureDelivery:senderEmail', (sender) => {
    // Act and assess
    expect(() => synth({ ...REQUIRED_CONTEXT, 'secureDelivery:senderEmail': sender }, 'Prod', ENV)).toThrow(
      /secureDelivery:senderEmail: .*example\.com, \.net, \.org are refused/,
    );
  });

  it('takes account and Region from context over what the CDK CLI sets', () => {
    // Prepare
    vi.stubEnv('CDK_DEFAULT_ACCOUNT', '999999999999');
    vi.stubEnv('CDK_DEFAULT_REGION', 'us-east-1');

    // Act
    const template = synth({
      ...REQUIRED_CONTEXT,
      'secureDelivery:account': '123456789012',
      'secureDelivery:region': 'eu-central-1',
    });

    // Assess
    const text = JSON.stringify(template);
    expect(text).toContain(':123456789012:');
    expect(text).toContain('eu-central-1');
    expect(text).not.toContain('999999999999');
  });

  it('takes account and Region from CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION without context', () => {
    // Prepare
    vi.stubEnv('CDK_DEFAULT_ACCOUNT', '210987654321');
    vi.stubEnv('CDK_DEFAULT_REGION', 'eu-west-1');

    // Act
    const text = JSON.stringify(synth(REQUIRED_CONTEXT));

    // Assess
    expect(text).toContain(':210987654321:');
    expect(text).toContain('eu-west-1');
  });

  it.each([
    ['an account that is no 12-digit id', { 'secureDelivery:account': '1234' }],
    ['a Region that is none', { 'secureDelivery:region': 'europe' }],
    ['an alarm topic that is no SNS ARN', { 'secureDelivery:alarmTopicArn': 'pager' }],
    ['a stack name CloudFormation refuses', { 'secureDelivery:stackName': '1st_stage' }],
  ])('fails synth for %s, naming its key', (_title, context) => {
    // Act and assess
    expect(() => synth({ ...REQUIRED_CONTEXT, ...context }, 'Prod', ENV)).toThrow(
      new RegExp(Object.keys(context)[0] as string),
    );
  });

  it('synthesizes for reading with secureDelivery:inspect=true and nothing else, with a rule that refuses to deploy it', () => {
    // Prepare
    vi.stubEnv('CDK_DEFAULT_ACCOUNT', '');
    vi.stubEnv('CDK_DEFAULT_REGION', '');

    // Act
    const template = synth({ 'secureDelivery:inspect': 'true' });

    // Assess
    expect(template.Rules?.InspectionOnly).toMatchObject({
      Assertions: [{ Assert: { 'Fn::Equals': ['inspection', 'deployment'] } }],
    });
    const [, identity] = ofType(template, 'AWS::SES::EmailIdentity')[0] ?? [];
    expect(identity?.Properties?.EmailIdentity).toBe('no-reply@secure-delivery.invalid');
    expect(synth(REQUIRED_CONTEXT, 'Prod', ENV).Rules?.InspectionOnly).toBeUndefined();
  });
});

describe('the drivers’ login domain prefix', () => {
  const prefixOf = (template: Synthesized) =>
    ofType(template, 'AWS::Cognito::UserPoolDomain')[0]?.[1].Properties?.Domain as string;

  it('is derived from the stack name plus a hash of account, Region and stack, so no two deployments share one', () => {
    // Act
    const prod = prefixOf(synth(REQUIRED_CONTEXT, 'Prod', ENV));
    const again = prefixOf(synth(REQUIRED_CONTEXT, 'Prod', ENV));
    const staging = prefixOf(synth(REQUIRED_CONTEXT, 'Staging', ENV));
    const otherAccount = prefixOf(synth(REQUIRED_CONTEXT, 'Prod', { ...ENV, account: '210987654321' }));
    const otherRegion = prefixOf(synth(REQUIRED_CONTEXT, 'Prod', { ...ENV, region: 'eu-west-1' }));

    // Assess
    expect(prod).toMatch(/^prod-drivers-[0-9a-f]{8}$/);
    expect(again).toBe(prod);
    expect(new Set([prod, staging, otherAccount, otherRegion]).size).toBe(4);
  });

  it('is the one context names, when it does', () => {
    // Act
    const template = synth(
      { ...REQUIRED_CONTEXT, 'secureDelivery:driverLoginDomainPrefix': 'acme-drivers' },
      'Prod',
      ENV,
    );

    // Assess
    expect(prefixOf(template)).toBe('acme-drivers');
  });
});

describe('names and retention that survive a second stage and a second Region', () => {
  let prod: Synthesized;
  let staging: Synthesized;
  let otherRegion: Synthesized;

  beforeAll(() => {
    prod = synth(REQUIRED_CONTEXT, 'Prod', ENV);
    staging = synth(REQUIRED_CONTEXT, 'Staging', ENV);
    otherRegion = synth(REQUIRED_CONTEXT, 'Prod', { ...ENV, region: 'eu-west-1' });
  });

  it('carries the stack name in every fixed physical name, so a second stage collides with nothing', () => {
    // Act
    const names = accountWideNames(prod);
    const stagingNames = new Set(accountWideNames(staging).map(({ name }) => name));

    // Assess
    expect(names.length).toBeGreaterThanOrEqual(8);
    for (const { type, name } of names) {
      expect(`${type} ${name}`).toMatch(/prod/i);
      expect(stagingNames.has(name)).toBe(false);
    }
  });

  it('adds the Region to the CloudFront names, unique per account across Regions', () => {
    // Act
    const global = (template: Synthesized) =>
      accountWideNames(template).filter(({ type }) => type.startsWith('AWS::CloudFront::'));

    // Assess
    expect(global(prod).map(({ name }) => name)).toEqual([
      '"Prod-DriverApp-security-headers-eu-central-1"',
      '"Prod-DriverApp-oac-eu-central-1"',
    ]);
    expect(global(otherRegion).every(({ name }) => name.includes('eu-west-1'))).toBe(true);
  });

  it('keeps the workflow logs and the API access logs under /aws/vendedlogs/', () => {
    // Act
    const names = ofType(prod, 'AWS::Logs::LogGroup')
      .map(([, group]) => group.Properties?.LogGroupName)
      .filter((name) => name !== undefined);

    // Assess
    expect(names.sort()).toEqual([
      '/aws/vendedlogs/apigateway/Prod-DeliveryApi-access',
      '/aws/vendedlogs/states/Prod-Issuing',
      '/aws/vendedlogs/states/Prod-Lifecycle',
    ]);
    const [, stage] = ofType(prod, 'AWS::ApiGatewayV2::Stage')[0] ?? [];
    const [accessLogsId] =
      ofType(prod, 'AWS::Logs::LogGroup').find(([, group]) =>
        String(group.Properties?.LogGroupName).includes('apigateway'),
      ) ?? [];
    expect(stage?.Properties?.AccessLogSettings).toMatchObject({
      DestinationArn: { 'Fn::GetAtt': [accessLogsId, 'Arn'] },
    });
  });

  it('keeps retained data only once created (RetainExceptOnCreate): tables, keys, secret, pool, dead letters, audit logs', () => {
    // Act
    const retained = Object.values(prod.Resources)
      .filter((resource) => resource.DeletionPolicy?.startsWith('Retain'))
      .map((resource) => `${resource.Type} ${resource.DeletionPolicy}`);

    // Assess
    for (const type of [
      'AWS::DynamoDB::Table',
      'AWS::KMS::Key',
      'AWS::SecretsManager::Secret',
      'AWS::Cognito::UserPool',
      'AWS::SQS::Queue',
      'AWS::Logs::LogGroup',
    ]) {
      expect(retained).toContain(`${type} RetainExceptOnCreate`);
    }
    expect(retained.filter((entry) => !entry.endsWith(' RetainExceptOnCreate'))).toEqual([]);
  });

  it('writes one JSON access log line per request naming route, status, latency, integration error and the driver id claim, never a token', () => {
    // Act
    const [, stage] = ofType(prod, 'AWS::ApiGatewayV2::Stage')[0] ?? [];
    const format = String((stage?.Properties?.AccessLogSettings as { Format?: string } | undefined)?.Format);
    const fields = JSON.parse(format) as Record<string, string>;

    // Assess
    expect(fields).toMatchObject({
      requestId: '$context.requestId',
      routeKey: '$context.routeKey',
      status: '$context.status',
      responseLatencyMs: '$context.responseLatency',
      integrationError: '$context.integrationErrorMessage',
      driverId: '$context.authorizer.claims.driver_id',
    });
    expect(format).not.toMatch(/header|authorization|token|requestBody/i);
    expect(Object.values(fields).filter((value) => value.startsWith('$context.authorizer.claims.'))).toEqual([
      '$context.authorizer.claims.driver_id',
    ]);
  });
});
