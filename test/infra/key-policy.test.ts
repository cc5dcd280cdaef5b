/**
 * The key-policy statements the construct adds for AWS services: each service may use the key for this
 * account's and Region's own resources only, with the condition keys its requests carry. Asserted on the
 * template: the IAM simulator drops KMS encryption-context keys (`kms:EncryptionContext:<key>`).
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import { SecureDelivery } from '../../lib/index.ts';
import { type Template as Synthesized, TemplateResolver } from '../../sandbox/emulators/template.ts';
import { REQUIRED_CONTEXT } from '../support/stack-settings.ts';

type Statement = {
  Sid?: string;
  Principal?: { Service?: string };
  Action: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
};
type Resource = { Type: string; Properties?: { KeyPolicy?: { Statement: Statement[] } } };

const ENV = { account: '123456789012', region: 'eu-central-1' };

/** The statements naming `service` in the policy of the key whose logical id starts with `keyId`. */
function serviceStatements(withKey: boolean, keyId: string, service: string): Statement[] {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...REQUIRED_CONTEXT } });
  const stack = new Stack(app, 'Estate', { env: ENV });
  new SecureDelivery(stack, 'Default', {
    mail: { senderEmail: 'no-reply@parcels.carrier.test' },
    ...(withKey ? { encryptionKey: new Key(stack, 'EstateKey') } : {}),
  });
  const template = Template.fromStack(stack).toJSON() as Synthesized;
  // The partition resolved, as AWS resolves it.
  const resolver = new TemplateResolver(template, {
    region: ENV.region,
    accountId: ENV.account,
    stackName: 'Estate',
  });
  const [, key] =
    Object.entries(template.Resources as Record<string, Resource>).find(([id]) => id.startsWith(keyId)) ?? [];
  const policy = resolver.resolve(key?.Properties?.KeyPolicy) as { Statement: Statement[] } | undefined;
  return (policy?.Statement ?? []).filter((statement) => statement.Principal?.Service === service);
}

describe.each([
  ['a key the estate brings', true, 'EstateKey'],
  ['the key the construct creates for its topic', false, 'OperationsAlarmTopicKey'],
])('CloudWatch on %s', (_title, withKey, keyId) => {
  it('may use it only for an alarm of this account and Region notifying a topic of this account and Region', () => {
    // Act
    const statements = serviceStatements(withKey, keyId, 'cloudwatch.amazonaws.com');

    // Assess
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements)
      expect(statement.Condition).toEqual({
        StringEquals: { 'aws:SourceAccount': ENV.account },
        ArnLike: {
          'aws:SourceArn': `arn:aws:cloudwatch:${ENV.region}:${ENV.account}:alarm:*`,
          'kms:EncryptionContext:aws:sns:topicArn': `arn:aws:sns:${ENV.region}:${ENV.account}:*`,
        },
      });
  }, 60_000);
});

describe('EventBridge on a key the estate brings', () => {
  it('may use it only for a queue of this account and Region, with no source keys its requests do not carry', () => {
    // Act
    const statements = serviceStatements(true, 'EstateKey', 'events.amazonaws.com');

    // Assess
    expect(statements).toEqual([
      expect.objectContaining({
        Sid: 'SecureDeliveryDeadLetters',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Condition: {
          ArnLike: {
            'kms:EncryptionContext:aws:sqs:arn': `arn:aws:sqs:${ENV.region}:${ENV.account}:*`,
          },
        },
      }),
    ]);
  }, 60_000);
});
