import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction, IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, LogGroup, MetricFilter, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  type Chain,
  Choice,
  Condition,
  DefinitionBody,
  Fail,
  type IChainable,
  type INextable,
  type IStateMachine,
  JsonPath,
  LogLevel,
  Pass,
  Result,
  StateMachine,
  StateMachineType,
  TaskInput,
  Timeout,
} from 'aws-cdk-lib/aws-stepfunctions';
import {
  EventBridgePutEvents,
  LambdaInvoke,
  type LambdaInvokeProps,
} from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import {
  type DetailPaths,
  DetailType,
  type EmittedDetailType,
  type EventDetail,
  type OtpEmailFailedDetail,
} from '../lambdas/domain/events/index.ts';
import { stackScopedName } from './physical-names.ts';

/** Where workflow steps emit the product's events. */
export interface EventTarget {
  readonly bus: IEventBus;
  readonly source: string;
}

// The detail-types each workflow construct's emit steps put, so its role may put exactly those.
const emittedIn = new WeakMap<Construct, Set<EmittedDetailType>>();
// The states that emit each detail-type, per workflow construct: their names in the workflow's log.
const emitStates = new WeakMap<Construct, Map<EmittedDetailType, string[]>>();

/**
 * A Task state that puts one of the product's events on the bus (no Lambda, no code in it). `detail`
 * names a JsonPath (or a constant) for every field of the event's detail type, checked by `tsc`.
 */
export function emitEvent<Type extends EmittedDetailType>(
  scope: Construct,
  stateId: string,
  target: EventTarget,
  detailType: Type,
  detail: DetailPaths<EventDetail<Type>>,
): EventBridgePutEvents {
  return putEventsStep(scope, stateId, target, detailType, TaskInput.fromObject(detail));
}

/**
 * A Task state that puts one of the product's events whose whole detail a step built (a function typed
 * by the contract) at `detailPath`: for details with optional fields, which {@link emitEvent} cannot leave out.
 */
export function emitEventAt<Type extends EmittedDetailType>(
  scope: Construct,
  stateId: string,
  target: EventTarget,
  detailType: Type,
  detailPath: string,
): EventBridgePutEvents {
  return putEventsStep(scope, stateId, target, detailType, TaskInput.fromJsonPathAt(detailPath));
}

/** Seconds the first retry of a PutEvents step waits; two more follow, doubling (about 7 s in all). */
export const PUT_EVENTS_RETRY = { intervalSeconds: 1, backoffRate: 2, maxAttempts: 3 } as const;
/** How long one PutEvents attempt may take before it is retried (it answers in milliseconds). */
const PUT_EVENTS_ATTEMPT_TIMEOUT = Duration.seconds(5);

function putEventsStep(
  scope: Construct,
  stateId: string,
  target: EventTarget,
  detailType: EmittedDetailType,
  detail: TaskInput,
): EventBridgePutEvents {
  emittedIn.set(scope, (emittedIn.get(scope) ?? new Set()).add(detailType));
  const states = emitStates.get(scope) ?? new Map<EmittedDetailType, string[]>();
  emitStates.set(scope, states.set(detailType, [...(states.get(detailType) ?? []), stateId]));
  const step = new EventBridgePutEvents(scope, stateId, {
    entries: [{ eventBus: target.bus, source: target.source, detailType, detail }],
    resultPath: JsonPath.DISCARD,
    taskTimeout: Timeout.duration(PUT_EVENTS_ATTEMPT_TIMEOUT),
  });
  // Throttling, a 5xx, an entry EventBridge did not take (`EventBridge.FailedEntry`), an attempt that
  // hangs: retried, briefly, instead of failing the run after the work was done.
  step.addRetry({
    errors: ['States.ALL'],
    interval: Duration.seconds(PUT_EVENTS_RETRY.intervalSeconds),
    backoffRate: PUT_EVENTS_RETRY.backoffRate,
    maxAttempts: PUT_EVENTS_RETRY.maxAttempts,
  });
  return step;
}

/** The Lambda service's own transient errors, as CDK's default retry names them. */
const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
];

/**
 * A Lambda task whose service errors are retried once after 1 s, not CDK's default six times over two
 * minutes: each workflow's worst case (every retry, every attempt to its timeout) must stay well inside
 * the Express 5-minute limit, or a run ends TIMED_OUT without saying why.
 */
export function invokeStep(scope: Construct, stateId: string, props: LambdaInvokeProps): LambdaInvoke {
  const step = new LambdaInvoke(scope, stateId, { ...props, retryOnServiceExceptions: false });
  step.addRetry({ errors: LAMBDA_SERVICE_ERRORS, interval: Duration.seconds(1), maxAttempts: 1 });
  return step;
}

/**
 * Errors worth retrying when sending a code (by email, or by SMS where that channel last worked);
 * anything else fails the send at once.
 */
const RETRYABLE_SEND_ERRORS = [
  'EmailThrottledError',
  'EmailTransientError',
  'SmsTransientError',
  'StoreThrottledError',
];

/**
 * `reason` of `Delivery Otp Email Failed`: SES refused the message for good, throttling or transient
 * failures outlasted the retries, or anything else (a defect, a Lambda timeout or service error).
 */
export type EmailFailureReason = OtpEmailFailedDetail['reason'];

/**
 * The send-code-email step both workflows share: input at `inputPath` ({parcelId, issueId}), result at
 * `$.send`; SES throttling and transient errors retried with backoff; a final failure emits
 * `Delivery Otp Email Failed` and fails the execution visibly.
 */
export function sendCodeEmailStep(
  scope: Construct,
  sendFunction: IFunction,
  events: EventTarget,
  inputPath = '$.issue',
): LambdaInvoke & INextable {
  const send = invokeStep(scope, 'Send code email', {
    lambdaFunction: sendFunction,
    payloadResponseOnly: true,
    inputPath,
    resultPath: '$.send',
  });
  // Six retries in about 21 s (1 s, ×1.5): SES throttling clears in a second; the run must stay well
  // inside the Express 5 minutes (test/infra/lifecycle-timing.test.ts adds up the worst case).
  send.addRetry({
    errors: RETRYABLE_SEND_ERRORS,
    interval: Duration.seconds(1),
    backoffRate: 1.5,
    maxAttempts: 6,
  });
  // The error's name and a reason code only: its Cause holds the function's message and stack trace,
  // which everyone on the bus would read.
  const failed: Chain = emitEvent(scope, 'Emit email failed', events, DetailType.OtpEmailFailed, {
    parcelId: JsonPath.stringAt('$.parcelId'),
    error: JsonPath.stringAt('$.error.Error'),
    reason: JsonPath.stringAt('$.emailFailureReason'),
  }).next(
    new Fail(scope, 'Email failed', { error: 'EmailFailed', cause: 'The code email could not be sent' }),
  );
  const because = (reason: EmailFailureReason) =>
    new Pass(scope, `Email failure: ${reason}`, {
      result: Result.fromString(reason),
      resultPath: '$.emailFailureReason',
    }).next(failed);
  const errorIs = (...names: string[]) =>
    Condition.or(...names.map((name) => Condition.stringEquals('$.error.Error', name)));
  const classify = new Choice(scope, 'Why did the email fail?')
    .when(errorIs('EmailRejectedError'), because('EMAIL_REJECTED'))
    .when(errorIs(...RETRYABLE_SEND_ERRORS), because('RETRIES_EXHAUSTED'))
    .otherwise(because('INTERNAL_ERROR'));
  send.addCatch(classify, { errors: ['States.ALL'], resultPath: '$.error' });
  return send;
}

/**
 * An Express state machine with the house settings: X-Ray tracing, full logging without execution data
 * (inputs carry recipient emails), a 5-minute cap, and the cdk-nag findings its role cannot avoid.
 */
export function expressWorkflow(
  scope: Construct,
  definition: IChainable,
  taskFunctions: IFunction[],
  emits: EventTarget,
): StateMachine {
  const stateMachine = new StateMachine(scope, 'StateMachine', {
    stateMachineType: StateMachineType.EXPRESS,
    definitionBody: DefinitionBody.fromChainable(definition),
    timeout: Duration.minutes(5),
    tracingEnabled: true,
    logs: {
      destination: new LogGroup(scope, 'Logs', {
        // Under /aws/vendedlogs/, delivery needs no entry in the account's 5,120-character logs resource policy.
        logGroupName: `/aws/vendedlogs/states/${stackScopedName(scope, '', { maxLength: 480 })}`,
        retention: RetentionDays.ONE_MONTH,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
      level: LogLevel.ALL,
      includeExecutionData: false,
    },
  });
  // The PutEvents task grants the whole bus; deny anything but this workflow's own events, so it can
  // never forge a carrier event (a rebinding Out For Delivery, a cancellation). The keys are multi-valued
  // (one value per entry), so a batch with any foreign entry is denied.
  stateMachine.addToRolePolicy(
    new PolicyStatement({
      effect: Effect.DENY,
      actions: ['events:PutEvents'],
      resources: [emits.bus.eventBusArn],
      conditions: { 'ForAnyValue:StringNotEquals': { 'events:source': [emits.source] } },
    }),
  );
  stateMachine.addToRolePolicy(
    new PolicyStatement({
      effect: Effect.DENY,
      actions: ['events:PutEvents'],
      resources: [emits.bus.eventBusArn],
      conditions: {
        // The detail-types of the emit steps built in `scope` (emitEvent), sorted: one list, never a copy.
        'ForAnyValue:StringNotEquals': { 'events:detail-type': [...(emittedIn.get(scope) ?? [])].sort() },
      },
    }),
  );
  Validations.of(stateMachine.role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'X-Ray and CloudWatch Logs vended delivery (logs:CreateLogDelivery and friends) support no resource-level permissions.',
  });
  for (const fn of taskFunctions) {
    const logicalId = Stack.of(scope).getLogicalId(fn.node.defaultChild as CfnFunction);
    Validations.of(stateMachine.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
      reason: "Invoking a task function's own versions and aliases; the grant names that function only.",
    });
  }
  return stateMachine;
}

/**
 * Counts how often `workflows` emitted `detailType`, from each workflow's own log (level ALL logs every
 * state entered, by name, without its data): a metric filter per workflow whose emit step it is, all
 * publishing `metricName` in `namespace` (no dimension). A count the product keeps itself, where a
 * rule's `MatchedEvents` is published best-effort.
 */
export function countEmitted(
  workflows: readonly IStateMachine[],
  detailType: EmittedDetailType,
  metric: { readonly namespace: string; readonly metricName: string; readonly period: Duration },
): Metric {
  for (const workflow of workflows) {
    const scope = workflow.node.scope as Construct | undefined;
    const states = scope ? (emitStates.get(scope)?.get(detailType) ?? []) : [];
    const logs = scope?.node.tryFindChild('Logs');
    if (!scope || states.length === 0 || !(logs instanceof LogGroup)) continue;
    new MetricFilter(scope, `${metric.metricName}Count`, {
      logGroup: logs,
      filterPattern: FilterPattern.all(
        FilterPattern.stringValue('$.type', '=', 'TaskStateEntered'),
        FilterPattern.any(...states.map((state) => FilterPattern.stringValue('$.details.name', '=', state))),
      ),
      metricNamespace: metric.namespace,
      metricName: metric.metricName,
      metricValue: '1',
    });
  }
  return new Metric({
    namespace: metric.namespace,
    metricName: metric.metricName,
    statistic: 'Sum',
    period: metric.period,
    label: detailType,
  });
}
