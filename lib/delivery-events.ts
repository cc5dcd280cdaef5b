import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** Props for {@link DeliveryEvents}. */
export interface DeliveryEventsProps {
  /**
   * `source` of the carrier events the rules match (context `secureDelivery:eventSource`).
   * @default 'carrier.dispatch'
   */
  readonly carrierSource?: string;
  /**
   * `source` of the events this product emits.
   * @default 'secure-delivery'
   */
  readonly ownSource?: string;
  /**
   * How long EventBridge keeps retrying a target before the event goes to the dead-letter queue.
   * @default Duration.hours(2)
   */
  readonly maxEventAge?: Duration;
}

/**
 * The custom bus, its rules, and one dead-letter queue (with an alarm) behind every rule target, so no
 * event a target could not take is ever dropped silently.
 */
export class DeliveryEvents extends Construct {
  /** The product's event bus: carriers publish here and the product emits here. */
  public readonly bus: EventBus;
  /** Events no target could take after EventBridge's retries. */
  public readonly deadLetterQueue: Queue;
  /** Alarm on any message in the dead-letter queue. */
  public readonly deadLetterAlarm: Alarm;
  /** `source` the rules match. */
  public readonly carrierSource: string;
  /** `source` of the product's own events. */
  public readonly ownSource: string;
  private readonly maxEventAge: Duration;

  constructor(scope: Construct, id: string, props: DeliveryEventsProps = {}) {
    super(scope, id);
    this.carrierSource = props.carrierSource ?? 'carrier.dispatch';
    this.ownSource = props.ownSource ?? 'secure-delivery';
    this.maxEventAge = props.maxEventAge ?? Duration.hours(2);
    this.bus = new EventBus(this, 'Bus');
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // Undelivered events are evidence of what went wrong: kept when the stack is deleted.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is the dead-letter queue of the rule targets; it is alarmed, not redriven automatically.',
    });
    this.deadLetterAlarm = new Alarm(this, 'DeadLettersAlarm', {
      alarmDescription: 'Carrier events could not be delivered to a Secure Delivery target',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  /** Starts `stateMachine` for every carrier event of the given detail types. */
  routeToStateMachine(id: string, detailTypes: string | string[], stateMachine: IStateMachine): Rule {
    return this.rule(
      id,
      [detailTypes].flat(),
      this.carrierSource,
      new SfnStateMachine(stateMachine, this.targetSettings()),
    );
  }

  /**
   * Invokes `fn` asynchronously for every event of `detailType` from `source` (default: the carriers').
   * A function that keeps failing after Lambda's own two retries also ends in the dead-letter queue.
   */
  routeToFunction(id: string, detailType: string, fn: IFunction, source = this.carrierSource): Rule {
    fn.configureAsyncInvoke({ onFailure: new SqsDestination(this.deadLetterQueue), retryAttempts: 2 });
    return this.rule(id, [detailType], source, new LambdaFunction(fn, this.targetSettings()));
  }

  private targetSettings() {
    return { deadLetterQueue: this.deadLetterQueue, maxEventAge: this.maxEventAge, retryAttempts: 185 };
  }

  private rule(
    id: string,
    detailTypes: string[],
    source: string,
    target: SfnStateMachine | LambdaFunction,
  ): Rule {
    return new Rule(this, id, {
      eventBus: this.bus,
      description: `Secure Delivery: ${detailTypes.join(', ')}`,
      eventPattern: { source: [source], detailType: detailTypes },
      targets: [target],
    });
  }
}
