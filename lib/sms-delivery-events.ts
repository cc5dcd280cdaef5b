import { Annotations, Arn, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { AnyPrincipal, Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DetailType } from '../lambdas/domain/events/detail-types.ts';
import { alarmedDeadLetterQueue } from './dead-letters.ts';
import type { DeliveryEvents } from './delivery-events.ts';
import { SecureDeliveryFunction } from './lambda-defaults.ts';

/** End User Messaging SMS's event types the configuration set sends to the topic: the SMS's fate only. */
export const SMS_EVENT_TYPES = [
  'TEXT_SUCCESSFUL',
  'TEXT_DELIVERED',
  'TEXT_BLOCKED',
  'TEXT_TTL_EXPIRED',
  'TEXT_CARRIER_UNREACHABLE',
  'TEXT_INVALID',
  'TEXT_INVALID_MESSAGE',
  'TEXT_CARRIER_BLOCKED',
  'TEXT_UNREACHABLE',
  'TEXT_SPAM',
  'TEXT_UNKNOWN',
  'TEXT_PROTECT_BLOCKED',
];

/** Props for {@link SmsDeliveryEvents}. */
export interface SmsDeliveryEventsProps {
  /** The code table the recorder writes each code SMS's status to. */
  readonly table: ITable;
  readonly events: DeliveryEvents;
  /** Name of the configuration set whose events the topic takes (the one every code SMS names). */
  readonly configurationSetName: string;
  /**
   * The key the topic is encrypted with.
   * @default a key of its own (End User Messaging cannot use the AWS-managed SNS key)
   */
  readonly encryptionKey?: IKey;
}

/**
 * End User Messaging SMS's events about code SMS: an encrypted SNS topic only our configuration set may
 * publish to (it carries the recipient's phone number), and the function recording each code SMS's fate
 * on the code's item (record-sms-delivery), with an on-failure queue of its own kept 4 days.
 */
export class SmsDeliveryEvents extends Construct {
  /** The topic the configuration set's SNS event destination names. */
  public readonly topic: Topic;
  public readonly recordFunction: SecureDeliveryFunction<'record-sms-delivery'>;
  /** Failed invocations of the recorder (they hold the event, phone number included): kept 4 days. */
  public readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: SmsDeliveryEventsProps) {
    super(scope, id);
    const { account } = Stack.of(this);
    const key =
      props.encryptionKey ??
      new Key(this, 'TopicKey', {
        description: 'Secure Delivery: encrypts the SMS delivery events topic',
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      });
    this.topic = new Topic(this, 'Topic', {
      displayName: 'Secure Delivery SMS delivery events',
      masterKey: key,
      enforceSSL: true,
    });
    const configurationSetArn = Arn.format(
      { service: 'sms-voice', resource: 'configuration-set', resourceName: props.configurationSetName },
      Stack.of(this),
    );
    // Only End User Messaging, for our configuration set in this account, may publish (no confused deputy).
    const smsVoice = new ServicePrincipal('sms-voice.amazonaws.com');
    const fromOurSet = {
      StringEquals: { 'aws:SourceAccount': account },
      ArnLike: { 'aws:SourceArn': configurationSetArn },
    };
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'SmsEventsFromOurConfigurationSet',
        principals: [smsVoice],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: fromOurSet,
      }),
    );
    // A topic policy cannot stop this account's roles that allow themselves sns:Publish; a deny does.
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'NoSmsEventsFromThisAccountsRoles',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { Bool: { 'aws:PrincipalIsAWSService': 'false' } },
      }),
    );
    const keyStatement = key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'SecureDeliverySmsEvents',
        principals: [smsVoice],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: fromOurSet,
      }),
      true,
    );
    if (!keyStatement.statementAdded)
      Annotations.of(this).addWarningV2(
        'secure-delivery:smsEventsKeyPolicy',
        `encryptionKey is imported: its owner must add the key-policy statement SecureDeliverySmsEvents (sms-voice.amazonaws.com may use it for the configuration set ${props.configurationSetName}, docs/integrate.md), or no SMS event reaches the topic`,
      );

    this.recordFunction = new SecureDeliveryFunction(this, 'RecordSmsDelivery', {
      handlerName: 'record-sms-delivery',
      description: 'Secure Delivery: records the code SMS fate',
    })
      .bindTableAccess('OTP_TABLE_NAME', props.table)
      .bindEventBus(props.events.bus, props.events.ownSource, [DetailType.OtpUndeliverable]);
    this.deadLetterQueue = alarmedDeadLetterQueue(new Construct(this, 'Failures'), {
      of: "record-sms-delivery (End User Messaging's events about code SMS)",
      alarmDescription: "End User Messaging's report on a code SMS could not be recorded",
      retentionPeriod: Duration.days(4),
    }).queue;
    this.recordFunction.configureAsyncInvoke({
      onFailure: new SqsDestination(this.deadLetterQueue),
      retryAttempts: 2,
    });
    this.topic.addSubscription(new LambdaSubscription(this.recordFunction));
  }
}
