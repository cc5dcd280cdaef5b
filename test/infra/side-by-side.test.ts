/**
 * Two SecureDelivery constructs in one stack (a carrier running two brands side by side): every name
 * AWS keeps unique per account, Region or parent resource differs between them, so the stack deploys.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { SecureDelivery } from '../../lib/index.ts';
import { physicalNames } from '../support/physical-names.ts';
import { REQUIRED_CONTEXT } from '../support/stack-settings.ts';

type Synthesized = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

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
