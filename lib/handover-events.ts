import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnPipe } from 'aws-cdk-lib/aws-pipes';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DetailType } from '../lambdas/domain/events/detail-types.ts';
import type { DetailPaths, HandoverVerifiedDetail } from '../lambdas/domain/events/index.ts';
import { alarmedDeadLetterQueue } from './dead-letters.ts';

/** Props for {@link HandoverEvents}. */
export interface HandoverEventsProps {
  /** The code table; its stream must carry new and old images. */
  readonly table: ITable;
  readonly bus: IEventBus;
  /** `source` of the events the product emits. */
  readonly ownSource: string;
  /**
   * How long the pipe keeps retrying a stream record before it goes to the dead-letter queue.
   * @default Duration.hours(2)
   */
  readonly maxRecordAge?: Duration;
  /**
   * Retries of a record the bus did not take, before the dead-letter queue.
   * @default 185
   */
  readonly maxRetryAttempts?: number;
}

/**
 * The pattern a stream record must match: verify's own transition and nothing a writer could fake or
 * repeat. An existing, issued code (its old image ISSUED, never verified) turns VERIFIED with verify's
 * stamp, on a record issuing wrote (`orderId` and the code's hash present, which verify may not write:
 * no parcel that never existed), that no lifecycle event revoked or closed (`lifecycleRevokedAt`, which
 * only apply-lifecycle writes: not verify, not assign-driver), before the receipt was claimed
 * (`receiptStatus`, which only the receipt function writes, for every announcement it gets): once one
 * announcement reached it, no write of verify's can announce the parcel again.
 * Inserts, removals (TTL) and later writes to a verified item publish nothing.
 */
const HANDOVER_VERIFIED_FILTER = {
  eventName: ['MODIFY'],
  dynamodb: {
    OldImage: {
      status: { S: ['ISSUED'] },
      verifiedAt: { N: [{ exists: false }] },
      receiptStatus: { S: [{ exists: false }] },
    },
    NewImage: {
      status: { S: ['VERIFIED'] },
      // Stream images carry numbers as strings: `numeric` would never match.
      verifiedAt: { N: [{ exists: true }] },
      verifiedAtIso: { S: [{ exists: true }] },
      verifiedBy: { S: [{ exists: true }] },
      codeHash: { S: [{ exists: true }] },
      orderId: { S: [{ exists: true }] },
      receiptStatus: { S: [{ exists: false }] },
      lifecycleRevokedAt: { N: [{ exists: false }] },
    },
  },
} as const;

/**
 * A Pipes input template whose keys are exactly the detail's fields (checked by `tsc`), each a quoted
 * placeholder `"<$.path>"`: every path names a string value (Pipes inserts it JSON-escaped).
 */
function pipeDetailTemplate<Detail>(paths: DetailPaths<Detail>): string {
  const fields = Object.entries(paths).map(
    ([field, path]) => `${JSON.stringify(field)}: "<${String(path)}>"`,
  );
  return `{${fields.join(', ')}}`;
}

/** The event's detail exactly as the contract has it, copied from the new image by the pipe. */
const HANDOVER_VERIFIED_TEMPLATE = pipeDetailTemplate<HandoverVerifiedDetail>({
  parcelId: '$.dynamodb.Keys.parcelId.S',
  driverId: '$.dynamodb.NewImage.verifiedBy.S',
  verifiedAt: '$.dynamodb.NewImage.verifiedAtIso.S',
});

/**
 * `Parcel Handover Verified` from the code table's stream: an EventBridge Pipe filters the transition
 * to VERIFIED, shapes the detail and puts it on the bus. The event is as durable as the verify write
 * itself; a record the bus does not take is retried, then lands in an alarmed dead-letter queue.
 */
export class HandoverEvents extends Construct {
  /** The pipe. */
  public readonly pipe: CfnPipe;
  /** The pipe's execution role. */
  public readonly role: Role;
  /** Stream batches the pipe could not deliver after its retries. */
  public readonly deadLetterQueue: Queue;
  /** Alarm on any message in the dead-letter queue. */
  public readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: HandoverEventsProps) {
    super(scope, id);
    const streamArn = props.table.tableStreamArn;
    if (!streamArn) throw new Error('HandoverEvents needs a table with a stream');

    const deadLetters = alarmedDeadLetterQueue(this, {
      of: 'the handover pipe',
      alarmDescription: 'Parcel Handover Verified could not be delivered from the table stream to the bus',
    });
    this.deadLetterQueue = deadLetters.queue;
    this.deadLetterAlarm = deadLetters.alarm;

    const { account } = Stack.of(this);
    this.role = new Role(this, 'Role', {
      description: 'Secure Delivery: handover pipe (table stream to event bus)',
      assumedBy: new ServicePrincipal('pipes.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    });
    this.role.addToPolicy(
      new PolicyStatement({
        actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        resources: [streamArn],
      }),
    );
    // Pipes lists the table's streams; ListStreams has no resource-level permission.
    this.role.addToPolicy(new PolicyStatement({ actions: ['dynamodb:ListStreams'], resources: ['*'] }));
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'dynamodb:ListStreams supports no resource-level permission (Resource must be *); it lists stream ARNs only. Reads are scoped to this stream.',
    });
    // Only this event: the pipe cannot put carrier events or any other product event on the bus.
    this.role.addToPolicy(
      new PolicyStatement({
        actions: ['events:PutEvents'],
        resources: [props.bus.eventBusArn],
        conditions: {
          'ForAllValues:StringEquals': {
            'events:source': [props.ownSource],
            'events:detail-type': [DetailType.HandoverVerified],
          },
          Null: { 'events:source': 'false', 'events:detail-type': 'false' },
        },
      }),
    );
    // Pipes needs only SendMessage to dead-letter a batch (grantSendMessages would add GetQueueAttributes/GetQueueUrl).
    this.role.addToPolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }),
    );

    this.pipe = new CfnPipe(this, 'Pipe', {
      description: 'Secure Delivery: Parcel Handover Verified from the code table stream',
      roleArn: this.role.roleArn,
      source: streamArn,
      sourceParameters: {
        dynamoDbStreamParameters: {
          // From the oldest record kept: a replaced pipe republishes (the receipt is exactly-once) rather than loses.
          startingPosition: 'TRIM_HORIZON',
          batchSize: 1,
          maximumRetryAttempts: props.maxRetryAttempts ?? 185,
          maximumRecordAgeInSeconds: (props.maxRecordAge ?? Duration.hours(2)).toSeconds(),
          deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
        },
        filterCriteria: { filters: [{ pattern: JSON.stringify(HANDOVER_VERIFIED_FILTER) }] },
      },
      target: props.bus.eventBusArn,
      targetParameters: {
        inputTemplate: HANDOVER_VERIFIED_TEMPLATE,
        eventBridgeEventBusParameters: {
          source: props.ownSource,
          detailType: DetailType.HandoverVerified,
        },
      },
    });
    // The role's policy must exist before the pipe starts reading the stream.
    this.pipe.node.addDependency(this.role);
  }
}
