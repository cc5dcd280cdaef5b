import { RemovalPolicy } from 'aws-cdk-lib';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { UserPool, UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { DetailType } from '../lambdas/domain/identifiers.ts';
import { SecureDeliveryFunction } from './lambda-defaults.ts';

/** Props for {@link VerifyApi}. */
export interface VerifyApiProps {
  readonly table: ITable;
  readonly hashKeySecret: ISecret;
  readonly bus: IEventBus;
  /** `source` of the events the API emits. */
  readonly ownSource: string;
  readonly driverPool: UserPool;
  readonly handheldClient: UserPoolClient;
  /**
   * Wrong codes after which a code is dead.
   * @default 5
   */
  readonly maxWrongAttemptsPerCode?: number;
  /**
   * Wrong codes across all of a parcel's codes after which none verifies.
   * @default 10
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
  public readonly verifyFunction: SecureDeliveryFunction;
  /** Base URL of the API's default stage. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: VerifyApiProps) {
    super(scope, id);
    this.verifyFunction = new SecureDeliveryFunction(this, 'Verify', {
      handlerName: 'verify-otp',
      description: 'Secure Delivery: verifies a driver-entered code',
      environment: {
        OTP_TABLE_NAME: props.table.tableName,
        OTP_HASH_SECRET_ARN: props.hashKeySecret.secretArn,
        EVENT_BUS_NAME: props.bus.eventBusName,
        EVENT_SOURCE: props.ownSource,
        MAX_WRONG_ATTEMPTS_PER_CODE: String(props.maxWrongAttemptsPerCode ?? 5),
        MAX_WRONG_ATTEMPTS_PER_PARCEL: String(props.maxWrongAttemptsPerParcel ?? 10),
      },
    });
    // Verify and wrong-attempt counting are both conditional UpdateItems; nothing else is needed.
    props.table.grant(this.verifyFunction, 'dynamodb:UpdateItem');
    props.hashKeySecret.grantRead(this.verifyFunction);
    // Only its own event: a compromised verify cannot forge carrier events (e.g. a rebinding Out For Delivery).
    this.verifyFunction.addToRolePolicy(
      new PolicyStatement({
        actions: ['events:PutEvents'],
        resources: [props.bus.eventBusArn],
        // Both keys are multi-valued (one value per entry): every entry must match, and the keys must be present.
        conditions: {
          'ForAllValues:StringEquals': {
            'events:source': props.ownSource,
            'events:detail-type': DetailType.HandoverVerified,
          },
          Null: { 'events:source': 'false', 'events:detail-type': 'false' },
        },
      }),
    );

    this.httpApi = new HttpApi(this, 'Api', {
      description: 'Secure Delivery: driver handover verification',
      createDefaultStage: false,
      defaultAuthorizer: new HttpUserPoolAuthorizer('Drivers', props.driverPool, {
        userPoolClients: [props.handheldClient],
      }),
    });
    const stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit ?? 200, burstLimit: props.burstLimit ?? 400 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(
          new LogGroup(this, 'AccessLogs', {
            retention: RetentionDays.ONE_MONTH,
            removalPolicy: RemovalPolicy.DESTROY,
          }),
        ),
      },
    });
    this.httpApi.addRoutes({
      path: '/parcels/{parcelId}/verify',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('VerifyIntegration', this.verifyFunction),
    });
    this.url = stage.url;
  }
}
