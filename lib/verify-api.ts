import { RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { VERIFY_ROUTE } from '../lambdas/contracts/http/routes.ts';
import type { DeliveryApi } from './delivery-api.ts';
import { SecureDeliveryFunction } from './lambda-defaults.ts';

/** Props for {@link VerifyApi}. */
export interface VerifyApiProps {
  /** The API the verify route is added to. */
  readonly api: DeliveryApi;
  readonly table: ITable;
  /** The KMS HMAC key codes are hashed with (`kms:GenerateMac` is granted, nothing else). */
  readonly codeHashKey: IKey;
  /**
   * How long the verify function's logs (the audit trail of every handover attempt) are kept; they are
   * retained when the stack is deleted.
   * @default RetentionDays.ONE_YEAR
   */
  readonly auditLogRetention?: RetentionDays;
  /**
   * Wrong codes after which a code is dead.
   * @default the contract's MAX_WRONG_ATTEMPTS_PER_CODE default (5)
   */
  readonly maxWrongAttemptsPerCode?: number;
  /**
   * Wrong codes across all of a parcel's codes after which none verifies.
   * @default the contract's MAX_WRONG_ATTEMPTS_PER_PARCEL default (10)
   */
  readonly maxWrongAttemptsPerParcel?: number;
  /**
   * Who issues the drivers' tokens: `cognito` (only its access tokens verify) or `oidc`.
   * @default the contract's DRIVER_IDENTITY_PROVIDER default, `cognito`
   */
  readonly driverIdentityProvider?: 'cognito' | 'oidc';
  /**
   * The access-token claim holding the carrier's driver id.
   * @default the contract's DRIVER_ID_CLAIM default, `driver_id`
   */
  readonly driverIdClaim?: string;
}

/** The drivers' route: `POST /parcels/{parcelId}/verify` behind the API's JWT authorizer (Cognito or OIDC). */
export class VerifyApi extends Construct {
  /** The verify function. */
  public readonly verifyFunction: SecureDeliveryFunction<'verify-otp'>;

  constructor(scope: Construct, id: string, props: VerifyApiProps) {
    super(scope, id);
    const auditLogRetention = props.auditLogRetention ?? RetentionDays.ONE_YEAR;
    this.verifyFunction = new SecureDeliveryFunction(this, 'Verify', {
      handlerName: 'verify-otp',
      description: 'Secure Delivery: verifies a driver-entered code',
      logRetention: auditLogRetention,
      logRemovalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    })
      // Conditional UpdateItems that answer nothing but counters, and a read without any hash, attribute
      // by attribute (TABLE_ACCESS): a stolen credential cannot read a hash back or touch delivery state.
      .bindTableAccess('OTP_TABLE_NAME', props.table)
      .bindKey('OTP_HASH_KEY_ARN', props.codeHashKey, 'kms:GenerateMac')
      .setEnvironment('MAX_WRONG_ATTEMPTS_PER_CODE', props.maxWrongAttemptsPerCode)
      .setEnvironment('MAX_WRONG_ATTEMPTS_PER_PARCEL', props.maxWrongAttemptsPerParcel)
      .setEnvironment('DRIVER_IDENTITY_PROVIDER', props.driverIdentityProvider)
      .setEnvironment('DRIVER_ID_CLAIM', props.driverIdClaim);
    // No events:PutEvents: Parcel Handover Verified comes from the table's stream (HandoverEvents).

    // ID tokens carry no scope, so the contract's scope admits only the drivers' access tokens.
    props.api.addRoute(VERIFY_ROUTE, this.verifyFunction);
  }
}
