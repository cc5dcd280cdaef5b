import { Duration, Stack } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  CfnInsightRule,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Rule } from 'aws-cdk-lib/aws-events';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { DetailType } from '../lambdas/domain/parcel-events.ts';
import type { DeliveryEvents } from './delivery-events.ts';

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
}

const PERIOD = Duration.minutes(5);

/**
 * What an operator watches: alarms on failed executions, email failures, lockouts, verify 5xx and
 * per-driver brute force (a Contributor Insights rule over the verify logs), and one dashboard.
 */
export class Operations extends Construct {
  /** Every alarm, for wiring to an SNS topic or pager. */
  public readonly alarms: Alarm[] = [];
  public readonly dashboard: Dashboard;
  /** Contributor Insights rule counting wrong and locked codes per driver. */
  public readonly wrongCodesPerDriverRule: CfnInsightRule;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const failedExecutions = props.workflows.map((workflow) =>
      workflow.metricFailed({ period: PERIOD, statistic: 'Sum' }),
    );
    this.alarm(
      'FailedExecutions',
      'A Secure Delivery workflow execution failed',
      sum(failedExecutions, 'Failed executions'),
      0,
    );

    // Rules with no target exist to be counted: MatchedEvents per rule is the event's own metric.
    const emailFailed = this.signal('EmailFailedSignal', DetailType.OtpEmailFailed, props.events);
    this.alarm('EmailFailures', 'A delivery code email could not be sent', emailFailed, 0);
    const parcelLocked = this.signal('ParcelLockedSignal', DetailType.OtpLocked, props.events);
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
      ruleName: `${Stack.of(this).stackName}-wrong-codes-per-driver`,
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

  private signal(id: string, detailType: string, events: DeliveryEvents): Metric {
    const rule = new Rule(this, id, {
      eventBus: events.bus,
      eventPattern: { source: [events.ownSource], detailType: [detailType] },
      description: `Counts ${detailType} for alarms`,
    });
    return new Metric({
      namespace: 'AWS/Events',
      metricName: 'MatchedEvents',
      dimensionsMap: { RuleName: rule.ruleName, EventBusName: events.bus.eventBusName },
      statistic: 'Sum',
      period: PERIOD,
      label: detailType,
    });
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

/** Sum of several metrics as one alarmable expression. */
function sum(metrics: IMetric[], label: string): IMetric {
  const usingMetrics = Object.fromEntries(metrics.map((metric, index) => [`m${index}`, metric]));
  return new MathExpression({
    expression: Object.keys(usingMetrics).join(' + '),
    usingMetrics,
    period: PERIOD,
    label,
  });
}
