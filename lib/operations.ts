import { Duration, type IAspect, RemovalPolicy } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmBase,
  CfnInsightRule,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type IConstruct } from 'constructs';
import { METRICS_NAMESPACE, ProductMetric } from '../lambdas/contracts/metrics.ts';
import { DetailType } from '../lambdas/domain/events/detail-types.ts';
import type { DeliveryEvents } from './delivery-events.ts';
import { alarmsOfAccountKeyConditions, fromAlarmsOfAccount } from './encryption.ts';
import { stackScopedName } from './physical-names.ts';
import { countEmitted } from './workflow-steps.ts';

/** Props for {@link Operations}. */
export interface OperationsProps {
  readonly events: DeliveryEvents;
  readonly workflows: readonly IStateMachine[];
  readonly httpApi: IHttpApi;
  /** The verify function's log group, whose lines name driver and outcome. */
  readonly verifyLogGroup: ILogGroup;
  /**
   * Wrong codes one driver may enter across all parcels within 5 minutes before the brute-force alarm fires.
   * @default 15
   */
  readonly wrongCodesPerDriverThreshold?: number;
  /**
   * The topic the alarms notify; its policy must let CloudWatch publish (and use its key, if encrypted).
   * @default a topic created here, encrypted with {@link encryptionKey} or a key of its own
   */
  readonly alarmTopic?: ITopic;
  /**
   * The key the created topic is encrypted with; CloudWatch is allowed to use it for this account's alarms.
   * @default a key created for the topic (CloudWatch cannot use the AWS-managed SNS key)
   */
  readonly encryptionKey?: IKey;
}

const PERIOD = Duration.minutes(5);

/**
 * What an operator watches: alarms on failed executions, email failures, lockouts, verify 5xx and
 * per-driver brute force (a Contributor Insights rule over the verify logs), one dashboard, and the topic
 * the construct's alarms notify (`NotifyOnEveryAlarm`, applied by `SecureDelivery` to its own scope).
 */
export class Operations extends Construct {
  /** The alarms defined here (every alarm of the construct gets the topic's actions, these and any other). */
  public readonly alarms: Alarm[] = [];
  /** The topic every alarm of the construct notifies (alarm and OK); subscribe pagers here. */
  public readonly alarmTopic: ITopic;
  public readonly dashboard: Dashboard;
  /** Contributor Insights rule counting wrong and locked codes per driver. */
  public readonly wrongCodesPerDriverRule: CfnInsightRule;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    this.alarmTopic = props.alarmTopic ?? this.createTopic(props.encryptionKey);
    const failedExecutions = props.workflows.map((workflow) =>
      workflow.metricFailed({ period: PERIOD, statistic: 'Sum' }),
    );
    this.alarm(
      'FailedExecutions',
      'A Secure Delivery workflow execution failed',
      sum(failedExecutions, 'Failed executions'),
      0,
    );

    // Counted from the workflows' own logs: a rule's MatchedEvents is published best-effort.
    const emailFailed = countEmitted(props.workflows, DetailType.OtpEmailFailed, {
      namespace: METRICS_NAMESPACE,
      metricName: ProductMetric.CodeEmailFailed,
      period: PERIOD,
    });
    this.alarm('EmailFailures', 'A delivery code email could not be sent', emailFailed, 0);
    const parcelLocked = countEmitted(props.workflows, DetailType.OtpLocked, {
      namespace: METRICS_NAMESPACE,
      metricName: ProductMetric.ParcelLocked,
      period: PERIOD,
    });
    const codesLocked = verifyOutcome('LOCKED');
    this.alarm(
      'Lockouts',
      'More than 5 locked answers or parcel lockouts in 5 minutes',
      sum([parcelLocked, codesLocked], 'Lockouts'),
      5,
    );

    const serverErrors = props.httpApi.metricServerError({ period: PERIOD, statistic: 'Sum' });
    this.alarm('Verify5xx', 'The verify API answered 5xx', serverErrors, 0);

    this.wrongCodesPerDriverRule = new CfnInsightRule(this, 'WrongCodesPerDriver', {
      // Unique per stack and SecureDelivery (its path below the stack), as a rule name is per account and Region.
      ruleName: stackScopedName(scope, 'wrong-codes-per-driver', { maxLength: 128 }),
      ruleState: 'ENABLED',
      ruleBody: JSON.stringify({
        Schema: { Name: 'CloudWatchLogRule', Version: 1 },
        LogGroupNames: [props.verifyLogGroup.logGroupName],
        LogFormat: 'JSON',
        Contribution: {
          Keys: ['$.driverId'],
          Filters: [{ Match: '$.outcome', In: ['WRONG_CODE', 'LOCKED'] }],
        },
        AggregateOn: 'Count',
      }),
    });
    const topDriver = new MathExpression({
      expression: `INSIGHT_RULE_METRIC('${this.wrongCodesPerDriverRule.attrRuleName}', 'MaxContributorValue')`,
      period: PERIOD,
      label: 'Wrong codes by the worst driver',
    });
    this.alarm(
      'DriverBruteForce',
      'One driver entered many wrong codes across parcels',
      topDriver,
      props.wrongCodesPerDriverThreshold ?? 15,
    );

    this.dashboard = new Dashboard(this, 'Dashboard', {
      widgets: [
        [
          new GraphWidget({
            title: 'Workflows',
            left: props.workflows.flatMap((w) => [w.metricStarted(), w.metricFailed()]),
          }),
          new GraphWidget({
            title: 'Verify outcomes',
            left: ['VERIFIED', 'WRONG_CODE', 'LOCKED', 'NOT_ASSIGNED', 'EXPIRED'].map(verifyOutcome),
          }),
        ],
        [
          new GraphWidget({
            title: 'Verify API',
            left: [props.httpApi.metricClientError(), serverErrors],
            right: [props.httpApi.metricLatency({ statistic: 'p99' })],
          }),
          new GraphWidget({
            title: 'Email failures and lockouts',
            left: [emailFailed, parcelLocked, topDriver],
          }),
          new GraphWidget({
            title: 'Dead letters',
            left: [props.events.deadLetterQueue.metricApproximateNumberOfMessagesVisible()],
          }),
        ],
      ],
    });
  }

  /** The encrypted topic, which only this account's alarms in this region may publish to. */
  private createTopic(encryptionKey: IKey | undefined): ITopic {
    // CloudWatch cannot use the AWS-managed SNS key (its policy cannot name cloudwatch.amazonaws.com): a CMK.
    const topicKey =
      encryptionKey ??
      new Key(this, 'AlarmTopicKey', {
        description: 'Secure Delivery: encrypts the alarm topic',
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      });
    const topic = new Topic(this, 'AlarmTopic', {
      displayName: 'Secure Delivery alarms',
      masterKey: topicKey,
      enforceSSL: true,
    });
    // Only this account's alarms, in this region, may use the key and publish (no confused deputy).
    const cloudWatch = new ServicePrincipal('cloudwatch.amazonaws.com');
    topicKey.addToResourcePolicy(
      new PolicyStatement({
        principals: [cloudWatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: alarmsOfAccountKeyConditions(this),
      }),
    );
    topic.addToResourcePolicy(
      new PolicyStatement({
        principals: [cloudWatch],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: fromAlarmsOfAccount(this),
      }),
    );
    return topic;
  }

  private alarm(id: string, description: string, metric: IMetric, threshold: number): void {
    this.alarms.push(
      new Alarm(this, id, {
        alarmDescription: `Secure Delivery: ${description}`,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
  }
}

/**
 * Gives every alarm in the scope the topic as alarm and OK action, once; an alarm added anywhere later (another
 * construct's dead-letter alarm) is covered without wiring of its own.
 */
export class NotifyOnEveryAlarm implements IAspect {
  readonly #action: SnsAction;
  readonly #done = new WeakSet<AlarmBase>();

  constructor(topic: ITopic) {
    this.#action = new SnsAction(topic);
  }

  visit(node: IConstruct): void {
    if (!(node instanceof AlarmBase) || this.#done.has(node)) return;
    this.#done.add(node);
    node.addAlarmAction(this.#action);
    node.addOkAction(this.#action);
  }
}

/** The verify handler's EMF metric for one outcome. */
function verifyOutcome(outcome: string): Metric {
  return new Metric({
    namespace: 'SecureDelivery',
    metricName: 'VerifyOutcome',
    dimensionsMap: { service: 'verify-otp', outcome },
    statistic: 'Sum',
    period: PERIOD,
    label: outcome,
  });
}

/** Sum of several sparse metrics as one alarmable expression; a series with no data counts as 0, not a gap. */
function sum(metrics: IMetric[], label: string): IMetric {
  const usingMetrics = Object.fromEntries(metrics.map((metric, index) => [`m${index}`, metric]));
  return new MathExpression({
    expression: Object.keys(usingMetrics)
      .map((id) => `FILL(${id}, 0)`)
      .join(' + '),
    usingMetrics,
    period: PERIOD,
    label,
  });
}
