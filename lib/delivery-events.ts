import { createHash } from 'node:crypto';
import { Duration, Stack, Token } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { EventBus, EventBusPolicy, type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { AccountPrincipal, type IGrantable, type IPrincipal, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { type ContractDetailType, EVENTS } from '../lambdas/domain/events/index.ts';
import { alarmedDeadLetterQueue } from './dead-letters.ts';
import { stackScopedName } from './physical-names.ts';
import { inStackAccount } from './principals.ts';
import { environmentMismatch } from './same-environment.ts';

/** Props for {@link DeliveryEvents}. */
export interface DeliveryEventsProps {
  /**
   * The bus carriers publish to and the product emits on; the rules live on it. It must be in this stack's
   * account and region (a rule and its targets live with their bus).
   * @default a new custom bus
   */
  readonly bus?: IEventBus;
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
  public readonly bus: IEventBus;
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
    if (props.bus) checkSameAccountAndRegion(props.bus, this);
    this.bus = props.bus ?? new EventBus(this, 'Bus');
    if (!Token.isUnresolved(this.carrierSource) && !/^[A-Za-z0-9._/-]{1,256}$/.test(this.carrierSource))
      throw new Error(`carrierEventSource must be 1-256 of A-Z a-z 0-9 . _ - /, got ${this.carrierSource}`);
    if (this.carrierSource === this.ownSource)
      throw new Error(`carrierEventSource must differ from the product's own source ${this.ownSource}`);
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

  /**
   * Lets `grantee` put the carrier events of the contract on the bus, and nothing else: `source` must be the
   * carrier source and every entry's detail-type a carrier detail-type. A principal of this account gets an
   * IAM grant; another account (its id) or a principal of another account gets a statement in the bus's
   * resource policy.
   */
  grantPublishCarrierEvents(grantee: IGrantable | string): void {
    const conditions = {
      // events:source and events:detail-type are multi-valued (one value per entry): every entry must match.
      'ForAllValues:StringEquals': {
        'events:source': [this.carrierSource],
        'events:detail-type': [...CARRIER_DETAIL_TYPES],
      },
      Null: { 'events:source': 'false', 'events:detail-type': 'false' },
    };
    const statement = (principals: IPrincipal[] = []) =>
      new PolicyStatement({
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
        conditions,
        ...(principals.length ? { principals } : {}),
      });
    if (typeof grantee !== 'string') {
      if (
        inStackAccount(grantee, this) &&
        grantee.grantPrincipal.addToPrincipalPolicy(statement()).statementAdded
      )
        return;
      this.addBusPolicy(statement([grantee.grantPrincipal]), this.principalKey(grantee.grantPrincipal));
      return;
    }
    if (!/^\d{12}$/.test(grantee))
      throw new Error(`grantPublishCarrierEvents takes a grantable or a 12-digit account id, got ${grantee}`);
    this.addBusPolicy(statement([new AccountPrincipal(grantee)]), grantee);
  }

  /**
   * A statement in the bus's resource policy (an `AWS::Events::EventBusPolicy`, so an imported bus takes it
   * too), once per grantee. Its id names the stack, this construct's path and the grantee: unique on a bus
   * other constructs and stacks add to, and the same on every synth.
   */
  private addBusPolicy(statement: PolicyStatement, key: string): void {
    const id = `CarrierEvents${key}`;
    if (this.node.tryFindChild(id)) return;
    // PutPermission's StatementId: 1-64 of letters, digits, hyphens and underscores.
    const statementId = stackScopedName(this, id, { maxLength: 64 });
    new EventBusPolicy(this, id, {
      eventBus: this.bus,
      statementId,
      statement: { ...statement.toStatementJson(), Sid: statementId },
    });
  }

  /** A principal's key in a statement id: a hash of its policy form as the template names it (no token ids). */
  private principalKey(principal: IPrincipal): string {
    const resolved = Stack.of(this).resolve(principal.policyFragment.principalJson);
    return `Principal${createHash('sha256').update(JSON.stringify(resolved)).digest('hex').slice(0, 12)}`;
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

/** The detail-types carriers publish, by the event contract (`lambdas/domain/events`). */
export const CARRIER_DETAIL_TYPES: readonly string[] = EVENTS.filter(
  (event) => event.publisher === 'carrier',
).map((event) => event.detailType);

/** Refuses a bus of another account or region: the product's rules, pipe and targets live with the bus. */
function checkSameAccountAndRegion(bus: IEventBus, scope: Construct): void {
  const mismatch = environmentMismatch(bus.env, scope);
  if (mismatch)
    throw new Error(
      `eventBus must be in this stack's ${mismatch.part} (${mismatch.own}), not ${mismatch.theirs}: the construct's rules live on the bus. Forward the carrier's events to a bus here and allow its account with grantPublishCarrierEvents('<account id>')`,
    );
}
