import { Arn, Duration, Stack, Token } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { EventField, Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { CfnConfigurationSet, CfnProtectConfiguration } from 'aws-cdk-lib/aws-smsvoice';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENVIRONMENT } from '../lambdas/contracts/environment.ts';
import { METRICS_NAMESPACE, ProductMetric } from '../lambdas/contracts/metrics.ts';
import { PARCEL_TAG } from '../lambdas/domain/delivery-status.ts';
import { DetailType, SesDetailType } from '../lambdas/domain/events/detail-types.ts';
import { alarmedDeadLetterQueue } from './dead-letters.ts';
import type { DeliveryEvents } from './delivery-events.ts';
import { SecureDeliveryFunction } from './lambda-defaults.ts';
import type { Mail } from './mail.ts';
import { stackScopedName } from './physical-names.ts';
import { environmentMismatch } from './same-environment.ts';
import { SMS_REGIONS } from './sms-countries.ts';
import { SMS_EVENT_TYPES, SmsDeliveryEvents } from './sms-delivery-events.ts';

/** SES's detail-types the SES rules route ({@link SesDetailType}): bounces apart, they carry a bounce type. */
const SES_STATUS_DETAIL_TYPES = Object.values(SesDetailType).filter(
  (detailType) => detailType !== SesDetailType.EmailBounced,
);

/**
 * What record-delivery gets of an SES event: the shape of the event, but only what it reads (the
 * detail-type, SES's event type, the message id, the parcel tag, a bounce's type). Never the recipient's
 * address, which SES's events carry in `mail.destination`, the headers and the bounce's recipients: not in
 * the function, its logs, its retries or its on-failure queue. Every path exists in every event the rule
 * takes (EventBridge drops an event whose variable does not resolve).
 */
function sesReport(withBounceType: boolean): RuleTargetInput {
  return RuleTargetInput.fromObject({
    'detail-type': EventField.detailType,
    detail: {
      eventType: EventField.fromPath('$.detail.eventType'),
      mail: {
        messageId: EventField.fromPath('$.detail.mail.messageId'),
        tags: { [PARCEL_TAG]: EventField.fromPath(`$.detail.mail.tags.${PARCEL_TAG}`) },
      },
      ...(withBounceType
        ? { bounce: { bounceType: EventField.fromPath('$.detail.bounce.bounceType') } }
        : {}),
    },
  });
}

/** Props for {@link CodeDelivery}. */
export interface CodeDeliveryProps {
  readonly table: ITable;
  /** Who each code is for (email, name, locale, phone): a table apart from the code table. */
  readonly recipientTable: ITable;
  readonly encryptionKeySecret: ISecret;
  readonly mail: Mail;
  readonly events: DeliveryEvents;
  /**
   * The SMS channel: a code whose email failed goes by SMS to the recipient's phone, and resends may ask
   * for SMS.
   * @default no SMS channel: nothing of SMS is created or granted, and a code whose email failed is reported
   *   `Delivery Otp Undeliverable`
   */
  readonly sms?: SmsChannelProps;
  /** With `sms`: where code SMS may go, what one may cost, how many one number may get a day. */
  readonly smsLimits?: SmsLimits;
  /**
   * With `sms`: the key the SMS delivery events topic is encrypted with.
   * @default a key of the topic's own
   */
  readonly encryptionKey?: IKey;
  /**
   * How long a code email may stay DELAYED (SES keeps retrying) before the code also goes by SMS.
   * @default the contract's EMAIL_DELAYED_TIMEOUT_SECONDS default (30 minutes)
   */
  readonly emailDelayedTimeout?: Duration;
  /**
   * How often the delayed emails are swept: a DELAYED email gets its fallback at most this much after the timeout.
   * @default Duration.minutes(5)
   */
  readonly delayedSweepInterval?: Duration;
}

/**
 * What happens to a code after it is sent: SES's events (default bus, our configuration set) become the
 * email's delivery status on the code record; a bounce or rejection sends the code by SMS (End User
 * Messaging SMS), or, without a phone or an SMS channel, `Delivery Otp Undeliverable` (counted, alarmed).
 */
export class CodeDelivery extends Construct {
  public readonly recordFunction: SecureDeliveryFunction<'record-delivery'>;
  /** Scheduled: code emails DELAYED past the timeout get the SMS fallback. */
  public readonly sweepFunction: SecureDeliveryFunction<'sweep-delayed'>;
  /** The rule on the account's default bus taking SES's events about our configuration set, bounces aside. */
  public readonly sesEventsRule: Rule;
  /** The rule taking SES's bounces about our configuration set (their input carries the bounce type). */
  public readonly sesBouncesRule: Rule;
  /** SES's events record-delivery could not take, and its failed invocations: kept 4 days. */
  public readonly sesEventsDeadLetterQueue: Queue;
  /** The SMS channel the functions bind (`bindSms`), when there is one. */
  public readonly sms?: SmsChannel;
  /**
   * With the SMS channel: the topic End User Messaging's events about code SMS go to (the set the construct
   * creates names it; an adopter's own set needs an SNS event destination naming it) and their recorder.
   */
  public readonly smsDeliveryEvents?: SmsDeliveryEvents;
  /** Fires when a code reached nobody (no phone, or the SMS was refused too). */
  public readonly undeliverableAlarm: Alarm;

  constructor(scope: Construct, id: string, props: CodeDeliveryProps) {
    super(scope, id);
    if (props.sms) {
      const configurationSetName =
        props.sms.configurationSetName ?? stackScopedName(this, 'sms', { maxLength: 64 });
      this.smsDeliveryEvents = new SmsDeliveryEvents(this, 'SmsDeliveryEvents', {
        table: props.table,
        events: props.events,
        configurationSetName,
        ...(props.encryptionKey ? { encryptionKey: props.encryptionKey } : {}),
      });
      this.sms = new SmsChannel(this, props.sms, props.smsLimits ?? DEFAULT_SMS_LIMITS, {
        configurationSetName,
        events: this.smsDeliveryEvents,
      });
    }

    this.recordFunction = new SecureDeliveryFunction(this, 'RecordDelivery', {
      handlerName: 'record-delivery',
      description: 'Secure Delivery: records the code email fate; SMS fallback',
    })
      .bindTable('OTP_TABLE_NAME', props.table, 'dynamodb:GetItem', 'dynamodb:UpdateItem')
      // The phone number and locale for the SMS.
      .bindTable('RECIPIENT_TABLE_NAME', props.recipientTable, 'dynamodb:GetItem')
      .bindSecret('OTP_ENCRYPTION_SECRET_ARN', props.encryptionKeySecret)
      .bindSms(this.sms)
      .bindEventBus(props.events.bus, props.events.ownSource, [DetailType.OtpUndeliverable]);

    // SES's events about code emails go to a queue of their own, kept briefly: an event EventBridge could
    // not deliver holds the recipient's address, and is worthless once its code's day is over.
    const sesDeadLetters = alarmedDeadLetterQueue(new Construct(this, 'SesEvents'), {
      of: "record-delivery (SES's events about code emails)",
      alarmDescription: "SES's report on a code email could not be recorded",
      retentionPeriod: Duration.days(4),
    });
    this.sesEventsDeadLetterQueue = sesDeadLetters.queue;
    this.recordFunction.configureAsyncInvoke({
      onFailure: new SqsDestination(this.sesEventsDeadLetterQueue),
      retryAttempts: 2,
    });
    // SES publishes to the default bus only: the rules live there, and take our configuration set's events.
    const sesRule = (id: string, detailTypes: string[], withBounceType: boolean) =>
      new Rule(this, id, {
        description: `Secure Delivery: SES events about code emails (${detailTypes.join(', ')})`,
        eventPattern: {
          source: ['aws.ses'],
          detailType: detailTypes,
          detail: {
            mail: {
              tags: {
                'ses:configuration-set': [props.mail.configurationSet.configurationSetName],
                // Code emails only (the handover receipt carries no parcel tag).
                [PARCEL_TAG]: [{ exists: true }],
              },
            },
          },
        },
        targets: [
          new LambdaFunction(this.recordFunction, {
            event: sesReport(withBounceType),
            deadLetterQueue: this.sesEventsDeadLetterQueue,
            maxEventAge: Duration.hours(2),
            retryAttempts: 185,
          }),
        ],
      });
    this.sesEventsRule = sesRule('SesEventsRule', SES_STATUS_DETAIL_TYPES, false);
    this.sesBouncesRule = sesRule('SesBouncesRule', [SesDetailType.EmailBounced], true);

    this.sweepFunction = new SecureDeliveryFunction(this, 'SweepDelayed', {
      handlerName: 'sweep-delayed',
      description: 'Secure Delivery: SMS fallback for code emails delayed too long',
      timeout: Duration.minutes(1),
    })
      // Query reads the sparse DelayedEmails index (keys only); GetItem and UpdateItem as the recorder.
      .bindTable('OTP_TABLE_NAME', props.table, 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:Query')
      .bindTable('RECIPIENT_TABLE_NAME', props.recipientTable, 'dynamodb:GetItem')
      .bindSecret('OTP_ENCRYPTION_SECRET_ARN', props.encryptionKeySecret)
      .bindSms(this.sms)
      .bindEventBus(props.events.bus, props.events.ownSource, [DetailType.OtpUndeliverable])
      .setEnvironment(
        'EMAIL_DELAYED_TIMEOUT_SECONDS',
        (
          props.emailDelayedTimeout ?? Duration.seconds(ENVIRONMENT.EMAIL_DELAYED_TIMEOUT_SECONDS.default)
        ).toSeconds(),
      );
    // The SMS claim's lease, with the SMS channel only: without one nothing of SMS is set.
    if (this.sms) {
      this.recordFunction.setEnvironment('SMS_CLAIM_LEASE_SECONDS');
      this.sweepFunction.setEnvironment('SMS_CLAIM_LEASE_SECONDS');
    }
    this.sweepFunction.configureAsyncInvoke({
      onFailure: new SqsDestination(props.events.deadLetterQueue),
      retryAttempts: 0,
    });
    // A scheduled rule (not an Express workflow, 5 minutes at most; not one schedule per email).
    new Rule(this, 'SweepDelayedSchedule', {
      description: 'Secure Delivery: sweeps code emails delayed too long',
      schedule: Schedule.rate(props.delayedSweepInterval ?? Duration.minutes(5)),
      targets: [
        new LambdaFunction(this.sweepFunction, {
          deadLetterQueue: props.events.deadLetterQueue,
          maxEventAge: Duration.minutes(5),
          retryAttempts: 0,
        }),
      ],
    });

    // Counted by the two functions that publish it (EMF), not by a rule's best-effort MatchedEvents.
    const undeliverable = (service: string) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: ProductMetric.CodeUndeliverable,
        dimensionsMap: { service },
        statistic: 'Sum',
        period: Duration.minutes(5),
      });
    this.undeliverableAlarm = new Alarm(this, 'UndeliverableAlarm', {
      alarmDescription: 'Secure Delivery: a delivery code reached the recipient on no channel',
      metric: new MathExpression({
        expression: `FILL(record, 0) + FILL(sweep, 0)${this.smsDeliveryEvents ? ' + FILL(sms, 0)' : ''}`,
        usingMetrics: {
          record: undeliverable('record-delivery'),
          sweep: undeliverable('sweep-delayed'),
          ...(this.smsDeliveryEvents ? { sms: undeliverable('record-sms-delivery') } : {}),
        },
        period: Duration.minutes(5),
        label: DetailType.OtpUndeliverable,
      }),
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}

/** Props of the SMS channel (`SecureDeliveryProps.sms`). */
export interface SmsChannelProps {
  /** ARN of the registered origination identity (phone number, pool or sender ID) every code SMS is sent from. */
  readonly originationIdentityArn: string;
  /**
   * Name of an End User Messaging SMS configuration set that already exists, which every code SMS names.
   * @default a configuration set created here (its name generated)
   */
  readonly configurationSetName?: string;
}

/** Where code SMS may go, what one may cost, how many one number may get a day (the settings' `sms*`). */
export interface SmsLimits {
  /** ISO 3166-1 alpha-2 codes; the protect configuration blocks every other region. */
  readonly allowedCountries: readonly string[];
  /** SendTextMessage's `MaxPrice`, in US dollars. */
  readonly maxPriceUsd: string;
  readonly dailyLimitPerNumber: number;
}

/** Limits for a CodeDelivery built without settings (tests): Germany only, the contract's defaults. */
const DEFAULT_SMS_LIMITS: SmsLimits = {
  allowedCountries: ['DE'],
  maxPriceUsd: ENVIRONMENT.SMS_MAX_PRICE.default,
  dailyLimitPerNumber: ENVIRONMENT.SMS_DAILY_LIMIT_PER_NUMBER.default,
};

/** The SMS channel: the configuration set and origination identity every code SMS goes through. */
class SmsChannel {
  public readonly smsConfigurationSetName: string;
  public readonly smsOriginationIdentityArn: string;
  public readonly smsProtectConfigurationId: string;
  public readonly smsMaxPriceUsd: string;
  public readonly smsDailyLimitPerNumber: number;
  /** Blocks code SMS to every country but the allowed ones (toll fraud, SMS pumping). */
  public readonly protectConfiguration: CfnProtectConfiguration;
  private readonly configurationSetArn: string;
  private readonly protectConfigurationArn: string;
  private readonly created?: CfnConfigurationSet;

  constructor(
    scope: Construct,
    props: SmsChannelProps,
    limits: SmsLimits,
    created: { readonly configurationSetName: string; readonly events: SmsDeliveryEvents },
  ) {
    const arn = props.originationIdentityArn;
    checkOriginationIdentity(scope, arn);
    this.smsOriginationIdentityArn = arn;
    const name = props.configurationSetName;
    if (name !== undefined && !Token.isUnresolved(name) && !/^[A-Za-z0-9_-]{1,64}$/.test(name))
      throw new Error(`sms.configurationSetName must be 1-64 of A-Z a-z 0-9 _ -, got ${name}`);
    this.smsMaxPriceUsd = limits.maxPriceUsd;
    this.smsDailyLimitPerNumber = limits.dailyLimitPerNumber;
    const allowed = new Set(limits.allowedCountries);
    this.protectConfiguration = new CfnProtectConfiguration(scope, 'SmsProtectConfiguration', {
      countryRuleSet: {
        sms: SMS_REGIONS.map((countryCode) => ({
          countryCode,
          protectStatus: allowed.has(countryCode) ? 'ALLOW' : 'BLOCK',
        })),
      },
    });
    this.smsProtectConfigurationId = this.protectConfiguration.attrProtectConfigurationId;
    this.protectConfigurationArn = Arn.format(
      {
        service: 'sms-voice',
        resource: 'protect-configuration',
        resourceName: this.smsProtectConfigurationId,
      },
      Stack.of(scope),
    );
    // A configuration set the construct creates uses it and sends its SMS events to the topic; one brought
    // along is associated, and pointed at the topic, by its owner (docs/integrate.md).
    if (name === undefined) {
      this.created = new CfnConfigurationSet(scope, 'SmsConfigurationSet', {
        configurationSetName: created.configurationSetName,
        protectConfigurationId: this.protectConfiguration.attrProtectConfigurationId,
        eventDestinations: [
          {
            eventDestinationName: 'code-sms-delivery',
            enabled: true,
            matchingEventTypes: SMS_EVENT_TYPES,
            snsDestination: { topicArn: created.events.topic.topicArn },
          },
        ],
      });
      // The topic's policy (and key) let the set publish before the set names the topic.
      this.created.node.addDependency(created.events);
    }
    this.smsConfigurationSetName = name ?? created.configurationSetName;
    this.configurationSetArn = Arn.format(
      { service: 'sms-voice', resource: 'configuration-set', resourceName: this.smsConfigurationSetName },
      Stack.of(scope),
    );
  }

  /**
   * Lets `fn` send SMS only through our configuration set and protect configuration, from our origination
   * identity. IAM has no condition key that requires naming them (a send naming only the identity passes).
   */
  grantSendSms(fn: SecureDeliveryFunction): void {
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['sms-voice:SendTextMessage'],
        resources: [this.configurationSetArn, this.protectConfigurationArn, this.smsOriginationIdentityArn],
      }),
    );
    if (this.created) fn.node.addDependency(this.created);
  }
}

/**
 * Refuses an origination identity that is no phone number, pool or sender ID ARN, or is of another account
 * or region than `scope`'s stack: the functions send through End User Messaging of their own.
 */
function checkOriginationIdentity(scope: Construct, arn: string): void {
  if (Token.isUnresolved(arn)) return;
  const [, region = '', account = ''] =
    /^arn:aws[\w-]*:sms-voice:([a-z0-9-]+):(\d{12}):(?:phone-number|pool|sender-id)\/.+$/.exec(arn) ?? [];
  if (!account)
    throw new Error(
      `sms.originationIdentityArn must be the ARN of a phone number, pool or sender ID (arn:<partition>:sms-voice:<region>:<account>:pool/<id>), got ${arn}`,
    );
  const mismatch = environmentMismatch({ account, region }, scope);
  if (mismatch)
    throw new Error(
      `sms.originationIdentityArn must be in this stack's ${mismatch.part} (${mismatch.own}), not ${mismatch.theirs}: the functions send SMS through End User Messaging of their own account and region`,
    );
}
