import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Choice, Condition, JsonPath, Pass, type StateMachine, Succeed } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ENVIRONMENT } from '../lambdas/contracts/environment.ts';
import { DetailType } from '../lambdas/domain/events/detail-types.ts';
import type { DetailPaths, ParcelEventRefusedDetail } from '../lambdas/domain/events/index.ts';
import type { CodeDelivery } from './code-delivery.ts';
import type { DeliveryEvents } from './delivery-events.ts';
import { SecureDeliveryFunction } from './lambda-defaults.ts';
import type { Mail } from './mail.ts';
import { answerRefusal } from './refusal-steps.ts';
import { emitEvent, expressWorkflow, invokeStep, sendCodeEmailStep } from './workflow-steps.ts';

/** Props for {@link IssuingWorkflow}. */
export interface IssuingWorkflowProps {
  readonly table: ITable;
  /** Who each code is for (email, name, locale): a table apart from the code table. */
  readonly recipientTable: ITable;
  /** The KMS HMAC key codes are hashed with (`kms:GenerateMac` is granted, nothing else). */
  readonly codeHashKey: IKey;
  readonly encryptionKeySecret: ISecret;
  readonly mail: Mail;
  /** The SMS channel: a reissued code goes by SMS when that is what last reached the recipient. */
  readonly codeDelivery: CodeDelivery;
  /** The bus: its `Parcel Shipped` rule starts the workflow, which emits the product's events there. */
  readonly events: DeliveryEvents;
  /** Minimum declared value per currency (minor units) that requires a code. */
  readonly thresholds: Readonly<Record<string, number>>;
  /**
   * Days a record is kept after its code expired, before TTL may delete it.
   * @default the contract's RECORD_RETENTION_DAYS default (30)
   */
  readonly recordRetentionDays?: number;
  /**
   * How far ahead an expected delivery date may lie.
   * @default the contract's MAX_DELIVERY_DAYS_AHEAD default (60)
   */
  readonly maxDeliveryDaysAhead?: number;
}

/**
 * Express workflow from `Parcel Shipped` to an emailed code: check value, issue (idempotent), send
 * (exactly once per issue, retried with backoff), emit. The code never passes through the workflow.
 */
export class IssuingWorkflow extends Construct {
  /** The state machine the `Parcel Shipped` rule starts. */
  public readonly stateMachine: StateMachine;
  /** Task functions, by step. */
  public readonly checkValueFunction: SecureDeliveryFunction<'check-value'>;
  public readonly issueFunction: SecureDeliveryFunction<'issue-otp'>;
  public readonly sendFunction: SecureDeliveryFunction<'send-otp-email'>;

  constructor(scope: Construct, id: string, props: IssuingWorkflowProps) {
    super(scope, id);
    const retentionDays = props.recordRetentionDays ?? ENVIRONMENT.RECORD_RETENTION_DAYS.default;
    const maxDaysAhead = props.maxDeliveryDaysAhead ?? ENVIRONMENT.MAX_DELIVERY_DAYS_AHEAD.default;
    this.checkValueFunction = new SecureDeliveryFunction(this, 'CheckValue', {
      handlerName: 'check-value',
      description: 'Secure Delivery: validates Parcel Shipped and applies the value policy',
    })
      .setEnvironment('OTP_THRESHOLDS', props.thresholds)
      .setEnvironment('MAX_DELIVERY_DAYS_AHEAD', maxDaysAhead)
      // Whether a parcel needing no code has one anyway: its issue id and nothing else.
      .bindTableAccess('OTP_TABLE_NAME', props.table);
    this.issueFunction = new SecureDeliveryFunction(this, 'IssueOtp', {
      handlerName: 'issue-otp',
      description: 'Secure Delivery: issues a parcel code once',
    })
      // One conditional UpdateItem creates the record (keeping an early driver binding).
      .bindTable('OTP_TABLE_NAME', props.table, 'dynamodb:UpdateItem')
      // Conditional updates keep the recipient (first write wins, ttl only later); a closed parcel's is deleted.
      // Neither answers anything (TABLE_ACCESS): issuing writes the recipient, it never reads them back.
      .bindTableAccess('RECIPIENT_TABLE_NAME', props.recipientTable)
      .bindKey('OTP_HASH_KEY_ARN', props.codeHashKey, 'kms:GenerateMac')
      .bindSecret('OTP_ENCRYPTION_SECRET_ARN', props.encryptionKeySecret)
      .setEnvironment('RECORD_RETENTION_DAYS', retentionDays)
      .setEnvironment('MAX_DELIVERY_DAYS_AHEAD', maxDaysAhead);

    this.sendFunction = new SecureDeliveryFunction(this, 'SendOtpEmail', {
      handlerName: 'send-otp-email',
      description: 'Secure Delivery: sends a parcel code once per issue (email, or SMS if that last worked)',
    })
      .bindTable('OTP_TABLE_NAME', props.table, 'dynamodb:GetItem', 'dynamodb:UpdateItem')
      .bindSms(props.codeDelivery.sms)
      .bindTable('RECIPIENT_TABLE_NAME', props.recipientTable, 'dynamodb:GetItem')
      .bindSecret('OTP_ENCRYPTION_SECRET_ARN', props.encryptionKeySecret)
      .bindMail(props.mail)
      .setEnvironment('EMAIL_CLAIM_LEASE_SECONDS');

    const events = { bus: props.events.bus, source: props.events.ownSource };
    const checkValue = invokeStep(this, 'Check value', {
      lambdaFunction: this.checkValueFunction,
      payloadResponseOnly: true,
    });
    const issue = invokeStep(this, 'Issue code', {
      lambdaFunction: this.issueFunction,
      payloadResponseOnly: true,
      inputPath: '$.parcel',
      resultPath: '$.issue',
    });
    issue.addRetry({
      errors: ['StoreThrottledError', 'KeyServiceUnavailableError'],
      interval: Duration.seconds(1),
      backoffRate: 2,
      maxAttempts: 4,
    });
    // Returned or cancelled (before the code existed, or since): nothing to issue, and nothing failed, but
    // the carrier is told its Parcel Shipped was refused.
    const refused = answerRefusal(this, events);
    const closedDetail = {
      parcelId: JsonPath.stringAt('$.parcelId'),
      refusedDetailType: DetailType.ParcelShipped,
      reason: 'PARCEL_CLOSED',
      eventId: JsonPath.stringAt('$.eventId'),
    } satisfies DetailPaths<Omit<ParcelEventRefusedDetail, 'field'>>;
    issue.addCatch(
      new Pass(this, 'Parcel closed', {
        parameters: { detail: closedDetail },
        resultPath: '$.refusal',
      }).next(refused),
      { errors: ['ParcelClosedError'], resultPath: JsonPath.DISCARD },
    );
    // Later steps need ids only: the recipient's details leave the state once the code is issued.
    const forgetRecipient = new Pass(this, 'Keep ids only', {
      parameters: { 'parcelId.$': '$.parcelId', 'otpRequired.$': '$.otpRequired', 'issue.$': '$.issue' },
    });
    const send = sendCodeEmailStep(this, this.sendFunction, events);

    const done = new Succeed(this, 'Done');
    const definition = checkValue.next(
      new Choice(this, 'Refused?').when(Condition.isPresent('$.refusal'), refused).otherwise(
        new Choice(this, 'Code required?')
          .when(
            Condition.booleanEquals('$.otpRequired', true),
            issue
              .next(forgetRecipient)
              .next(send)
              .next(
                new Choice(this, 'Sent by this run?')
                  .when(
                    Condition.booleanEquals('$.send.emailSent', true),
                    emitEvent(this, 'Emit issued', events, DetailType.OtpIssued, {
                      parcelId: JsonPath.stringAt('$.parcelId'),
                      validUntil: JsonPath.stringAt('$.issue.validUntil'),
                    }).next(done),
                  )
                  .otherwise(done),
              ),
          )
          .when(Condition.booleanEquals('$.codeExists', true), new Succeed(this, 'Code already issued'))
          .otherwise(
            emitEvent(this, 'Emit not required', events, DetailType.OtpNotRequired, {
              parcelId: JsonPath.stringAt('$.parcelId'),
              reason: JsonPath.stringAt('$.reason'),
            }).next(new Succeed(this, 'Not required')),
          ),
      ),
    );

    this.stateMachine = expressWorkflow(
      this,
      definition,
      [this.checkValueFunction, this.issueFunction, this.sendFunction],
      events,
    );
    props.events.routeToStateMachine('ParcelShippedRule', DetailType.ParcelShipped, this.stateMachine);
  }
}
