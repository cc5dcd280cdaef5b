import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { UserPool, UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENVIRONMENT } from '../lambdas/contracts/environment.ts';
import { SecureDeliveryFunction } from './lambda-defaults.ts';

/** Props for {@link VerifyApi}. */
export interface VerifyApiProps {
  readonly table: ITable;
  /** The KMS HMAC key codes are hashed with (`kms:GenerateMac` is granted, nothing else). */
  readonly codeHashKey: IKey;
  readonly driverPool: UserPool;
  readonly handheldClient: UserPoolClient;
  /**
   * More app clients whose access tokens the route accepts (the web app's).
   * @default none
   */
  readonly moreClients?: readonly UserPoolClient[];
  /**
   * Browser origins allowed to call the API (CORS), e.g. the driver app's CloudFront URL.
   * @default none: no CORS configuration, browsers on other origins cannot read answers
   */
  readonly allowedOrigins?: readonly string[];
  /** The scope a token must carry to verify (only access tokens carry scopes), e.g. `secure-delivery/verify`. */
  readonly verifyScope: string;
  /**
   * How long the verify function's logs and the access logs (the audit trail of every handover attempt) are
   * kept; both are retained when the stack is deleted.
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
   * Steady-state request rate for the whole API, per second.
   * @default 200
   */
  readonly rateLimit?: number;
  /**
   * Burst capacity for the whole API.
   * @default 400
   */
  readonly burstLimit?: number;
}

/** The drivers' HTTP API: `POST /parcels/{parcelId}/verify` behind a Cognito JWT authorizer. */
export class VerifyApi extends Construct {
  /** The HTTP API. */
  public readonly httpApi: HttpApi;
  /** The verify function. */
  public readonly verifyFunction: SecureDeliveryFunction<'verify-otp'>;
  /** Base URL of the API's default stage. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: VerifyApiProps) {
    super(scope, id);
    const auditLogRetention = props.auditLogRetention ?? RetentionDays.ONE_YEAR;
    this.verifyFunction = new SecureDeliveryFunction(this, 'Verify', {
      handlerName: 'verify-otp',
      description: 'Secure Delivery: verifies a driver-entered code',
      logRetention: auditLogRetention,
      logRemovalPolicy: RemovalPolicy.RETAIN,
    })
      // Verify and wrong-attempt counting are both conditional UpdateItems; nothing else is needed.
      .bindTable('OTP_TABLE_NAME', props.table, 'dynamodb:UpdateItem')
      .bindKey('OTP_HASH_KEY_ARN', props.codeHashKey, 'kms:GenerateMac')
      .setEnvironment(
        'MAX_WRONG_ATTEMPTS_PER_CODE',
        props.maxWrongAttemptsPerCode ?? ENVIRONMENT.MAX_WRONG_ATTEMPTS_PER_CODE.default,
      )
      .setEnvironment(
        'MAX_WRONG_ATTEMPTS_PER_PARCEL',
        props.maxWrongAttemptsPerParcel ?? ENVIRONMENT.MAX_WRONG_ATTEMPTS_PER_PARCEL.default,
      );
    // No events:PutEvents: Parcel Handover Verified comes from the table's stream (HandoverEvents).

    this.httpApi = new HttpApi(this, 'Api', {
      description: 'Secure Delivery: driver handover verification',
      createDefaultStage: false,
      defaultAuthorizer: new HttpUserPoolAuthorizer('Drivers', props.driverPool, {
        userPoolClients: [props.handheldClient, ...(props.moreClients ?? [])],
      }),
      ...(props.allowedOrigins?.length
        ? {
            corsPreflight: {
              allowOrigins: [...props.allowedOrigins],
              allowMethods: [CorsHttpMethod.POST],
              allowHeaders: ['authorization', 'content-type'],
              exposeHeaders: ['retry-after'],
              maxAge: Duration.hours(1),
            },
          }
        : {}),
    });
    const stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit ?? 200, burstLimit: props.burstLimit ?? 400 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(
          new LogGroup(this, 'AccessLogs', {
            retention: auditLogRetention,
            removalPolicy: RemovalPolicy.RETAIN,
          }),
        ),
      },
    });
    this.httpApi.addRoutes({
      path: '/parcels/{parcelId}/verify',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('VerifyIntegration', this.verifyFunction),
      // ID tokens carry no scope, so requiring one admits only the handheld's access tokens.
      authorizationScopes: [props.verifyScope],
    });
    this.url = stage.url;
  }
}
