import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolClient,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

/** Props for {@link DriverPool}. */
export interface DriverPoolProps {
  /**
   * How long a driver's access and id tokens live (a shift).
   * @default Duration.hours(12)
   */
  readonly tokenValidity?: Duration;
  /**
   * What happens to the pool when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Cognito user pool of drivers (operator-provisioned, MFA required); a token's `sub` is the driverId. */
export class DriverPool extends Construct {
  /** The pool. */
  public readonly userPool: UserPool;
  /** The app client the drivers' handhelds sign in with; its id is the JWT audience. */
  public readonly handheldClient: UserPoolClient;
  /** The pool's token issuer URL. */
  public readonly issuerUrl: string;

  constructor(scope: Construct, id: string, props: DriverPoolProps = {}) {
    super(scope, id);
    const tokenValidity = props.tokenValidity ?? Duration.hours(12);
    this.userPool = new UserPool(this, 'Pool', {
      selfSignUpEnabled: false,
      signInAliases: { username: true },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      passwordPolicy: {
        minLength: 12,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
      },
      accountRecovery: AccountRecovery.NONE,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.handheldClient = this.userPool.addClient('Handheld', {
      authFlows: { userSrp: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      accessTokenValidity: tokenValidity,
      idTokenValidity: tokenValidity,
      refreshTokenValidity: Duration.days(1),
    });
    this.issuerUrl = `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${this.userPool.userPoolId}`;
  }
}
