import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { RESEND_ROUTE, TRACK_ROUTE } from '../lambdas/contracts/http/routes.ts';
import type { CodeDelivery } from './code-delivery.ts';
import type { DeliveryApi } from './delivery-api.ts';
import { SecureDeliveryFunction } from './lambda-defaults.ts';
import type { Mail } from './mail.ts';

/** How much longer than the resend function's timeout its hold on the code lasts. */
const RESEND_LEASE_MARGIN_SECONDS = 5;

/** Props for {@link RecipientApi}. */
export interface RecipientApiProps {
  /** The API the routes are added to (one endpoint, per-route authorizers). */
  readonly api: DeliveryApi;
  readonly table: ITable;
  /** Who each code is for (email, name, locale): a table apart from the code table. */
  readonly recipientTable: ITable;
  readonly encryptionKeySecret: ISecret;
  readonly mail: Mail;
  /** The SMS channel: resends by SMS go through its configuration set and origination identity. */
  readonly codeDelivery: CodeDelivery;
  /**
   * Resends allowed per code.
   * @default the contract's MAX_RESENDS_PER_CODE default (3)
   */
  readonly maxResendsPerCode?: number;
}

/**
 * The recipient's side, called by the shop's backend with SigV4 (IAM) on behalf of its signed-in
 * customer: `GET /parcels/{parcelId}/otp` (Track Package) and `POST /parcels/{parcelId}/otp/resend`.
 */
export class RecipientApi extends Construct {
  public readonly trackFunction: SecureDeliveryFunction<'track-otp'>;
  public readonly resendFunction: SecureDeliveryFunction<'resend-otp'>;
  private readonly api: DeliveryApi;

  constructor(scope: Construct, id: string, props: RecipientApiProps) {
    super(scope, id);
    this.api = props.api;
    this.trackFunction = new SecureDeliveryFunction(this, 'Track', {
      handlerName: 'track-otp',
      description: 'Secure Delivery: shows the recipient their current code',
    })
      .bindTable('OTP_TABLE_NAME', props.table, 'dynamodb:GetItem')
      // The recipient's email to match the caller, nothing else: never their name or phone.
      .bindTableAccess('RECIPIENT_TABLE_NAME', props.recipientTable)
      .bindSecret('OTP_ENCRYPTION_SECRET_ARN', props.encryptionKeySecret);

    const resendTimeout = Duration.seconds(10);
    this.resendFunction = new SecureDeliveryFunction(this, 'Resend', {
      handlerName: 'resend-otp',
      description: 'Secure Delivery: sends the current code again, by email or SMS',
      timeout: resendTimeout,
    })
      .bindTable('OTP_TABLE_NAME', props.table, 'dynamodb:GetItem', 'dynamodb:UpdateItem')
      .bindTable('RECIPIENT_TABLE_NAME', props.recipientTable, 'dynamodb:GetItem')
      .bindSecret('OTP_ENCRYPTION_SECRET_ARN', props.encryptionKeySecret)
      .bindMail(props.mail)
      .bindSms(props.codeDelivery.sms)
      .setEnvironment('MAX_RESENDS_PER_CODE', props.maxResendsPerCode)
      // A resend holds the code (no reissue, no revoke) for longer than it can possibly run.
      .setEnvironment('RESEND_LEASE_SECONDS', resendTimeout.toSeconds() + RESEND_LEASE_MARGIN_SECONDS);

    props.api.addRoute(TRACK_ROUTE, this.trackFunction);
    props.api.addRoute(RESEND_ROUTE, this.resendFunction);
  }

  /** Lets the shop backend's role call the recipient routes (and only those). */
  grantInvoke(grantee: IGrantable): void {
    this.api.grantInvoke(grantee, [TRACK_ROUTE, RESEND_ROUTE]);
  }
}
