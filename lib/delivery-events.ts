import { Duration } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { ContractDetailType } from '../lambdas/domain/events/index.ts';
import { alarmedDeadLetterQueue } from './dead-letters.ts';

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
    const deadLetters = alarmedDeadLetterQueue(this, {
      of: 'the rule targets',
      alarmDescription: 'Carrier events could not be delivered to a Secure Delivery target',
    });
    this.deadLetterQueue = deadLetters.queue;
    this.deadLetterAlarm = deadLetters.alarm;
  }

  /** Starts `stateMachine` for every carrier event of the given detail types. */
  routeToStateMachine(
    id: string,
    detailTypes: ContractDetailType | ContractDetailType[],
    stateMachine: IStateMachine,
  ): Rule {
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
  routeToFunction(
    id: string,
    detailType: ContractDetailType,
    fn: IFunction,
    source = this.carrierSource,
  ): Rule {
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
