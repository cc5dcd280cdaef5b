import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** What {@link alarmedDeadLetterQueue} is for. */
export interface DeadLetterQueueProps {
  /** Whose undeliverable messages land here, e.g. "the rule targets" (in the cdk-nag acknowledgement). */
  readonly of: string;
  /** The alarm's description: what could not be delivered. */
  readonly alarmDescription: string;
  /**
   * How long a message is kept.
   * @default Duration.days(14)
   */
  readonly retentionPeriod?: Duration;
}

/**
 * A dead-letter queue (SQS-managed encryption, TLS only, 14 days unless told, kept when the stack is deleted: what it
 * holds is evidence of what went wrong) and an alarm on its first message, as `DeadLetters` and
 * `DeadLettersAlarm` in `scope`. Every alarm gets the stack's alarm topic through the Operations aspect.
 */
export function alarmedDeadLetterQueue(
  scope: Construct,
  props: DeadLetterQueueProps,
): { readonly queue: Queue; readonly alarm: Alarm } {
  const queue = new Queue(scope, 'DeadLetters', {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: props.retentionPeriod ?? Duration.days(14),
    removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: `This queue is the dead-letter queue of ${props.of}; it is alarmed, not redriven automatically.`,
  });
  const alarm = new Alarm(scope, 'DeadLettersAlarm', {
    alarmDescription: props.alarmDescription,
    metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
    threshold: 0,
    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  return { queue, alarm };
}
