import { Annotations, type IAspect, Stack, Token } from 'aws-cdk-lib';
import { CfnTable } from 'aws-cdk-lib/aws-dynamodb';
import { AnyPrincipal, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { CfnLogGroup } from 'aws-cdk-lib/aws-logs';
import { CfnQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct, IConstruct } from 'constructs';

/**
 * Encrypts every DynamoDB table, SQS queue and CloudWatch log group in the scope it is applied to with one
 * customer-managed key (the topic takes the key as its master key where it is created). Applied by
 * `SecureDelivery` to itself only.
 */
export class EncryptWithKey implements IAspect {
  constructor(private readonly key: IKey) {}

  visit(node: IConstruct): void {
    if (node instanceof CfnTable) {
      node.sseSpecification = { sseEnabled: true, sseType: 'KMS', kmsMasterKeyId: this.key.keyArn };
    } else if (node instanceof CfnQueue) {
      // SQS-managed encryption and a KMS key exclude each other.
      node.sqsManagedSseEnabled = undefined;
      node.kmsMasterKeyId = this.key.keyArn;
    } else if (node instanceof CfnLogGroup) {
      node.kmsKeyId = this.key.keyArn;
    }
  }
}

/**
 * The key-policy statements the services need to use `key` for what {@link EncryptWithKey} encrypts in
 * `scope`'s account and region: CloudWatch Logs (this account's log groups), CloudWatch (this account's
 * alarms publishing to a topic of this account), EventBridge (sending to a queue of this account: the
 * dead-letter queues), and any principal of this account through DynamoDB, SQS and SNS (which still need
 * their own grants on the table, queue or topic).
 * An imported key takes none of them: a warning names what its owner must add. A key of another region, which
 * none of these services can use, fails synth.
 */
export function allowServicesToUseKey(scope: Construct, key: IKey): void {
  const { account, region, partition } = Stack.of(scope);
  if (!Token.isUnresolved(region) && !Token.isUnresolved(key.env.region) && key.env.region !== region)
    throw new Error(
      `encryptionKey must be in this stack's region (${region}), not ${key.env.region}: tables, queues, topics and log groups take a key of their own region only`,
    );
  const statements = [
    new PolicyStatement({
      sid: 'SecureDeliveryLogs',
      principals: [new ServicePrincipal(`logs.${region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${account}:log-group:*`,
        },
      },
    }),
    new PolicyStatement({
      sid: 'SecureDeliveryAlarms',
      principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: alarmsOfAccountKeyConditions(scope),
    }),
    new PolicyStatement({
      sid: 'SecureDeliveryDeadLetters',
      principals: [new ServicePrincipal('events.amazonaws.com')],
      // What EventBridge documents for an encrypted SQS target: no more.
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      // aws:SourceArn/SourceAccount are no condition SNS supports for EventBridge: the queue SQS binds the data key to.
      conditions: {
        ArnLike: { 'kms:EncryptionContext:aws:sqs:arn': `arn:${partition}:sqs:${region}:${account}:*` },
      },
    }),
    new PolicyStatement({
      sid: 'SecureDeliveryThroughServices',
      principals: [new AnyPrincipal()],
      actions: [
        'kms:Encrypt',
        'kms:Decrypt',
        'kms:ReEncrypt*',
        'kms:GenerateDataKey*',
        'kms:DescribeKey',
        'kms:CreateGrant',
      ],
      resources: ['*'],
      conditions: {
        StringEquals: {
          'kms:CallerAccount': account,
          'kms:ViaService': ['dynamodb', 'sqs', 'sns'].map((service) => `${service}.${region}.amazonaws.com`),
        },
      },
    }),
  ];
  const added = statements.map((statement) => key.addToResourcePolicy(statement, true).statementAdded);
  if (added.includes(false))
    Annotations.of(scope).addWarningV2(
      'secure-delivery:encryptionKeyPolicy',
      `encryptionKey is imported: its owner must add the key-policy statements ${statements.map((s) => s.sid).join(', ')} (docs/integrate.md)`,
    );
}

/** An alarm of this account and region as the request's source (`aws:SourceAccount`, `aws:SourceArn`). */
export function fromAlarmsOfAccount(scope: Construct) {
  const { account, region, partition } = Stack.of(scope);
  return {
    StringEquals: { 'aws:SourceAccount': account },
    ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
  };
}

/**
 * The conditions on CloudWatch's use of a key for a topic its alarms notify, as SNS documents them for an AWS
 * service publishing to an encrypted topic: the source ({@link fromAlarmsOfAccount}), and a topic of this
 * account and region (the `aws:sns:topicArn` encryption context).
 */
export function alarmsOfAccountKeyConditions(scope: Construct) {
  const { account, region, partition } = Stack.of(scope);
  const source = fromAlarmsOfAccount(scope);
  return {
    ...source,
    ArnLike: {
      ...source.ArnLike,
      'kms:EncryptionContext:aws:sns:topicArn': `arn:${partition}:sns:${region}:${account}:*`,
    },
  };
}
