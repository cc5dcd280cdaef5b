import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Choice, Condition, JsonPath, type StateMachine, Succeed } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { DetailType } from '../lambdas/domain/events/detail-types.ts';
import type { DeliveryEvents } from './delivery-events.ts';
import { SecureDeliveryFunction } from './lambda-defaults.ts';
import { answerRefusal } from './refusal-steps.ts';
import { emitEvent, expressWorkflow, invokeStep, sendCodeEmailStep } from './workflow-steps.ts';

/** Props for {@link DeliveryLifecycle}. */
export interface DeliveryLifecycleProps {
  readonly table: ITable;
  /** Who each code is for (email, name, locale): a table apart from the code table. */
  readonly recipientTable: ITable;
  /** The KMS HMAC key codes are hashed with (`kms:GenerateMac` is granted, nothing else). */
  readonly codeHashKey: IKey;
  readonly encryptionKeySecret: ISecret;
  readonly events: DeliveryEvents;
  /** The issuing workflow's send function: a reissued code is emailed by the same step. */
  readonly sendFunction: IFunction;
  /**
   * Wrong codes across all of a parcel's codes after which no new code is issued.
   * @default the contract's MAX_WRONG_ATTEMPTS_PER_PARCEL default (10)
   */
  readonly maxWrongAttemptsPerParcel?: number;
  /**
   * Days a record is kept after its code expired.
   * @default the contract's RECORD_RETENTION_DAYS default (30)
   */
  readonly recordRetentionDays?: number;
  /**
   * How far ahead the next attempt's date may lie for a reissue (the same limit as the first issue's).
   * @default the contract's MAX_DELIVERY_DAYS_AHEAD default (60)
   */
  readonly maxDeliveryDaysAhead?: number;
}

/**
 * After the first attempt: `Delivery Attempt Failed` reissues (next date) or revokes (none);
 * `Parcel Returned` and `Shipment Cancelled` close the parcel. An Express workflow, so a reissued code
 * is emailed by the same retried, idempotent send step as the first one.
 */
export class DeliveryLifecycle extends Construct {
  /** The lifecycle state machine. */
  public readonly stateMachine: StateMachine;
  /** Its first step. */
  public readonly applyFunction: SecureDeliveryFunction<'apply-lifecycle'>;

  constructor(scope: Construct, id: string, props: DeliveryLifecycleProps) {
    super(scope, id);
    this.applyFunction = new SecureDeliveryFunction(this, 'ApplyLifecycle', {
      handlerName: 'apply-lifecycle',
      description: 'Secure Delivery: reissues, revokes or closes a parcel code',
    })
      .bindTable('OTP_TABLE_NAME', props.table, 'dynamodb:GetItem', 'dynamodb:UpdateItem')
      // A reissue extends the recipient's ttl; a closure deletes the recipient. It never reads them, not
      // even through what a write answers (TABLE_ACCESS).
      .bindTableAccess('RECIPIENT_TABLE_NAME', props.recipientTable)
      .bindKey('OTP_HASH_KEY_ARN', props.codeHashKey, 'kms:GenerateMac')
      .bindSecret('OTP_ENCRYPTION_SECRET_ARN', props.encryptionKeySecret)
      .setEnvironment('MAX_WRONG_ATTEMPTS_PER_PARCEL', props.maxWrongAttemptsPerParcel)
      .setEnvironment('RECORD_RETENTION_DAYS', props.recordRetentionDays)
      .setEnvironment('MAX_DELIVERY_DAYS_AHEAD', props.maxDeliveryDaysAhead);

    const events = { bus: props.events.bus, source: props.events.ownSource };
    const done = new Succeed(this, 'Done');
    const parcel = { parcelId: JsonPath.stringAt('$.parcelId') };
    const apply = invokeStep(this, 'Apply lifecycle event', {
      lambdaFunction: this.applyFunction,
      payloadResponseOnly: true,
    });
    // A resend holds the code for at most ~15 s (RecipientApi), a claimed SMS for its 30 s lease; these
    // waits add up to 35 s, and keep the run well inside the Express 5 minutes.
    apply.addRetry({
      errors: ['ResendInFlightError'],
      interval: Duration.seconds(5),
      backoffRate: 2,
      maxAttempts: 3,
    });
    const definition = apply.next(
      new Choice(this, 'Outcome?')
        .when(
          Condition.stringEquals('$.outcome', 'REISSUED'),
          // The outcome itself carries parcelId and issueId, all the send step reads.
          sendCodeEmailStep(this, props.sendFunction, events, '$').next(
            new Choice(this, 'Sent by this run?')
              .when(
                Condition.booleanEquals('$.send.emailSent', true),
                emitEvent(this, 'Emit reissued', events, DetailType.OtpReissued, {
                  ...parcel,
                  validUntil: JsonPath.stringAt('$.validUntil'),
                }).next(done),
              )
              .otherwise(done),
          ),
        )
        .when(
          Condition.stringEquals('$.outcome', 'LOCKED'),
          emitEvent(this, 'Emit locked', events, DetailType.OtpLocked, {
            ...parcel,
            totalWrongAttempts: JsonPath.numberAt('$.totalWrongAttempts'),
          }).next(done),
        )
        .when(
          Condition.stringEquals('$.outcome', 'REVOKED'),
          emitEvent(this, 'Emit revoked', events, DetailType.OtpRevoked, parcel).next(done),
        )
        .when(Condition.stringEquals('$.outcome', 'REFUSED'), answerRefusal(this, events))
        .otherwise(done),
    );
    this.stateMachine = expressWorkflow(this, definition, [this.applyFunction, props.sendFunction], events);
    props.events.routeToStateMachine(
      'LifecycleRule',
      [DetailType.DeliveryAttemptFailed, DetailType.ParcelReturned, DetailType.ShipmentCancelled],
      this.stateMachine,
    );
  }
}
