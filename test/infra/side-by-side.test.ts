/**
 * Two SecureDelivery constructs in one stack (a carrier running two brands side by side): every name
 * AWS keeps unique per account, Region or parent resource differs between them, so the stack deploys.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { UserPool } from 'aws-cdk-lib/aws-cognito';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Role } from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { DriverIdentity, SecureDelivery } from '../../lib/index.ts';
import { physicalNames } from '../support/physical-names.ts';
import { REQUIRED_CONTEXT } from '../support/stack-settings.ts';

type Synthesized = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };
type BusPolicy = { EventBusName: unknown; StatementId: string; Statement: { Sid: string } };

const ENV = { account: '123456789012', region: 'eu-central-1' };
const SMS_POOL = 'arn:aws:sms-voice:eu-central-1:123456789012:pool/pool-0123456789abcdef0123456789abcdef';

describe('two SecureDelivery constructs in one stack', () => {
  let template: Synthesized;

  beforeAll(() => {
    // Prepare: two brands, each with its own sender, one with SMS
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...REQUIRED_CONTEXT } });
    const stack = new Stack(app, 'Carrier', { env: ENV });
    new SecureDelivery(stack, 'BrandA', {
      mail: { senderEmail: 'no-reply@brand-a.carrier.test' },
      sms: { originationIdentityArn: SMS_POOL },
    });
    new SecureDelivery(stack, 'BrandB', { mail: { senderEmail: 'no-reply@brand-b.carrier.test' } });
    template = Template.fromStack(stack).toJSON() as Synthesized;
  }, 120_000);

  it('gives no two resources of one type the same physical name', () => {
    // Act
    const names = physicalNames(template).map(({ type, name }) => `${type} ${name}`);
    const repeated = names.filter((entry, index) => names.indexOf(entry) !== index);

    // Assess
    expect(names.length).toBeGreaterThan(30);
    expect(repeated).toEqual([]);
  });

  it('names the schema registry and the brute-force rule after the stack and each construct', () => {
    // Act
    const named = (type: string, property: string) =>
      Object.values(template.Resources)
        .filter((resource) => resource.Type === type)
        .map((resource) => resource.Properties?.[property])
        .sort();

    // Assess
    expect(named('AWS::EventSchemas::Registry', 'RegistryName')).toEqual([
      'Carrier-BrandA-events',
      'Carrier-BrandB-events',
    ]);
    expect(named('AWS::CloudWatch::InsightRule', 'RuleName')).toEqual([
      'Carrier-BrandA-wrong-codes-per-driver',
      'Carrier-BrandB-wrong-codes-per-driver',
    ]);
  });
});

/**
 * Two SecureDelivery on one bus the estate brings, each letting in the same two carrier accounts and a
 * carrier role of another account, one construct asked twice for one of them.
 */
function synthesizeSharedBus(): BusPolicy[] {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...REQUIRED_CONTEXT } });
  const stack = new Stack(app, 'Carrier', { env: ENV });
  const bus = EventBus.fromEventBusArn(
    stack,
    'Central',
    'arn:aws:events:eu-central-1:123456789012:event-bus/central',
  );
  const foreign = Role.fromRoleArn(stack, 'Dispatch', 'arn:aws:iam::444444444444:role/dispatch');
  for (const brand of ['BrandA', 'BrandB']) {
    const sd = new SecureDelivery(stack, brand, {
      mail: { senderEmail: `no-reply@${brand.toLowerCase()}.carrier.test` },
      eventBus: bus,
      driverApp: false,
    });
    for (const grantee of ['222222222222', '333333333333', foreign]) sd.grantPublishCarrierEvents(grantee);
    if (brand === 'BrandA') sd.grantPublishCarrierEvents('222222222222');
  }
  return Object.values((Template.fromStack(stack).toJSON() as Synthesized).Resources)
    .filter((resource) => resource.Type === 'AWS::Events::EventBusPolicy')
    .map((resource) => resource.Properties as BusPolicy);
}

describe('two SecureDelivery constructs on one bus the estate brings', () => {
  let policies: BusPolicy[];

  beforeAll(() => {
    policies = synthesizeSharedBus();
  }, 120_000);

  it('gives every statement in the bus policy its own id, once per construct and grantee', () => {
    // Act
    const ids = policies.map((policy) => policy.StatementId);

    // Assess
    expect(ids).toHaveLength(6);
    expect(new Set(ids).size).toBe(6);
    expect(new Set(policies.map((policy) => JSON.stringify(policy.EventBusName))).size).toBe(1);
    for (const policy of policies) {
      expect(policy.Statement.Sid).toBe(policy.StatementId);
      expect(policy.StatementId).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    }
  });

  it('derives the ids from the stack, the construct and the grantee, so a second synth keeps them', () => {
    // Act
    const again = synthesizeSharedBus().map((policy) => policy.StatementId);

    // Assess
    expect(again.sort()).toEqual(policies.map((policy) => policy.StatementId).sort());
    expect(again.filter((id) => id.includes('BrandA') && id.endsWith('222222222222'))).toHaveLength(1);
  });
});

describe('two SecureDelivery constructs on one user pool the estate brings', () => {
  it('fails synth naming the pool, as a pool holds one resource server secure-delivery and one token trigger', () => {
    // Prepare
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...REQUIRED_CONTEXT } });
    const stack = new Stack(app, 'Carrier', { env: ENV });
    const pool = UserPool.fromUserPoolId(stack, 'Drivers', 'eu-central-1_Estate1');
    const brand = (id: string) =>
      new SecureDelivery(stack, id, {
        mail: { senderEmail: `no-reply@${id.toLowerCase()}.carrier.test` },
        drivers: DriverIdentity.cognito({ userPool: pool }),
        driverApp: false,
      });
    brand('BrandA');

    // Act
    const second = () => brand('BrandB');

    // Assess
    expect(second).toThrow(
      /^DriverIdentity\.cognito: userPool is already the drivers' pool of Carrier\/BrandA: .*give each SecureDelivery a pool of its own/,
    );
  });
});

describe('two SecureDelivery constructs sending from one address', () => {
  it('fails synth for the second identity of that address, naming mail.senderIdentityArn to set', () => {
    // Prepare
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...REQUIRED_CONTEXT } });
    const stack = new Stack(app, 'Carrier', { env: ENV });
    const brand = (id: string) =>
      new SecureDelivery(stack, id, {
        mail: { senderEmail: 'no-reply@parcels.carrier.test' },
        driverApp: false,
      });
    brand('BrandA');

    // Act
    const second = () => brand('BrandB');

    // Assess
    expect(second).toThrow(
      /^mail\.senderEmail no-reply@parcels\.carrier\.test is already the SES identity of Carrier\/BrandA\/Mail\/Sender: set mail\.senderIdentityArn/,
    );
  });

  it('sends from that address through the identity the first creates when the second names it', () => {
    // Prepare
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...REQUIRED_CONTEXT } });
    const stack = new Stack(app, 'Carrier', { env: ENV });
    const sender = 'no-reply@parcels.carrier.test';
    new SecureDelivery(stack, 'BrandA', { mail: { senderEmail: sender }, driverApp: false });

    // Act
    new SecureDelivery(stack, 'BrandB', {
      mail: {
        senderEmail: sender,
        senderIdentityArn: `arn:aws:ses:eu-central-1:123456789012:identity/${sender}`,
      },
      driverApp: false,
    });

    // Assess
    expect(Object.keys(Template.fromStack(stack).findResources('AWS::SES::EmailIdentity'))).toHaveLength(1);
  });
});
