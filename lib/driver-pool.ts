import { Annotations, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AccountRecovery,
  CfnManagedLoginBranding,
  CfnUserPoolClient,
  CfnUserPoolRiskConfigurationAttachment,
  ClientAttributes,
  FeaturePlan,
  type IUserPool,
  LambdaVersion,
  ManagedLoginVersion,
  Mfa,
  OAuthScope,
  ResourceServerScope,
  StandardThreatProtectionMode,
  StringAttribute,
  UserPool,
  type UserPoolClient,
  type UserPoolClientOptions,
  type UserPoolDomain,
  UserPoolOperation,
  type UserPoolResourceServer,
} from 'aws-cdk-lib/aws-cognito';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ENVIRONMENT } from '../lambdas/contracts/environment.ts';
import { DRIVER_RESOURCE_SERVER, VERIFY_SCOPE, VERIFY_SCOPE_NAME } from '../lambdas/contracts/http/routes.ts';
import { SecureDeliveryFunction } from './lambda-defaults.ts';

/** Props for {@link DriverPool}. */
export interface DriverPoolProps {
  /**
   * A pool that already exists: its users must carry {@link driverIdAttribute}, which none of its app clients
   * may write. The app clients, resource server and (with a web app) domain are added to it; the token trigger
   * is created and allowed for the pool, but only the pool's owner can attach it (docs/integrate.md).
   * @default a pool created here, with the attribute and the trigger attached
   */
  readonly userPool?: IUserPool;
  /**
   * How long a driver's access and ID tokens live: an issued access token keeps verifying this long after the
   * driver is disabled and signed out (API Gateway checks only signature and expiry).
   * @default Duration.minutes(60)
   */
  readonly accessTokenValidity?: Duration;
  /**
   * How long a driver's refresh token lives (a shift); after that the driver signs in again.
   * @default Duration.hours(12)
   */
  readonly refreshTokenValidity?: Duration;
  /**
   * What happens to the pool when the stack is deleted.
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * The drivers' web app: gets its own app client (authorization code grant with PKCE only, no secret) and
   * the pool a managed-login domain.
   * @default no web app client and no domain
   */
  readonly webApp?: DriverWebAppProps;
  /**
   * The custom user attribute (`custom:<name>`) holding the carrier's own id of each driver: the carrier sets
   * it when it creates the driver (admin API only; no app client may write it), and the token trigger copies
   * it into the access token's {@link driverIdClaim}.
   * @default the contract's DRIVER_ID_ATTRIBUTE default, `custom:driver_id`
   */
  readonly driverIdAttribute?: string;
  /**
   * The access-token claim the driver id is copied into (the claim verify reads).
   * @default the contract's DRIVER_ID_CLAIM default, `driver_id`
   */
  readonly driverIdClaim?: string;
  /**
   * Who threat protection's notification emails come from (a created pool's risk configuration): the
   * sender address and the SES identity that lets Cognito send as it (its sending authorization policy
   * must allow `cognito-idp.amazonaws.com`, docs/integrate.md).
   * @default no notification emails; risky sign-ins are still blocked
   */
  readonly riskNotifications?: { readonly from: string; readonly sourceArn: string };
}

/** The web app's sign-in settings. */
export interface DriverWebAppProps {
  /** The app's URL, `https://…` without a trailing slash: its callback and sign-out URL is `<url>/`. */
  readonly url: string;
  /** Prefix of the managed-login domain `https://<prefix>.auth.<region>.amazoncognito.com`, unique in the region. */
  readonly loginDomainPrefix: string;
}

/** Identifier of the pool's resource server (defined by the HTTP contract); scopes are `<identifier>/<scope>`. */
export { DRIVER_RESOURCE_SERVER };

/**
 * Cognito user pool of drivers (operator-provisioned, MFA required). Each driver carries the carrier's own
 * id in a custom attribute (`custom:driver_id`), which a V2 pre-token-generation trigger copies into the
 * access token (never Cognito's generated `sub`). The handheld signs in with SRP (no OAuth flow is
 * enabled); the trigger also adds the verify scope to its access tokens, so only access tokens pass the
 * verify route (ID tokens carry no scope).
 */
export class DriverPool extends Construct {
  /** The pool. */
  public readonly userPool: IUserPool;
  /** True when the token trigger is attached here (a created pool); an imported pool's owner attaches it. */
  public readonly triggerAttached: boolean;
  /** The app client the drivers' handhelds sign in with; its id is the JWT audience (`client_id`). */
  public readonly handheldClient: UserPoolClient;
  /** The pool's token issuer URL. */
  public readonly issuerUrl: string;
  /** The resource server that defines the verify scope. */
  public readonly resourceServer: UserPoolResourceServer;
  /** The scope the verify route requires, `secure-delivery/verify`. */
  public readonly verifyScope: string;
  /** The pre-token-generation (V2) trigger that adds {@link verifyScope} to access tokens. */
  public readonly tokenScopeFunction: SecureDeliveryFunction<'add-token-scope'>;
  /** The web app's client (code grant with PKCE, scopes `openid` and the verify scope), when there is a web app. */
  public readonly webClient?: UserPoolClient;
  /** The managed-login domain, when there is a web app. */
  public readonly loginDomain?: UserPoolDomain;
  /** `https://<prefix>.auth.<region>.amazoncognito.com`, when there is a web app. */
  public readonly loginDomainUrl?: string;
  /** The custom attribute holding each driver's carrier id, e.g. `custom:driver_id`. */
  public readonly driverIdAttribute: string;
  /** The access-token claim the trigger copies the driver id into. */
  public readonly driverIdClaim: string;
  /** Threat protection's answers (a created pool; an existing pool keeps its owner's). */
  public riskConfiguration?: CfnUserPoolRiskConfigurationAttachment;

  /** The pool's region (an imported pool's, from its ARN). */
  public get region(): string {
    return this.userPool.env.region;
  }

  constructor(scope: Construct, id: string, props: DriverPoolProps = {}) {
    super(scope, id);
    const accessTokenValidity = props.accessTokenValidity ?? Duration.minutes(60);
    this.driverIdAttribute = props.driverIdAttribute ?? ENVIRONMENT.DRIVER_ID_ATTRIBUTE.default;
    this.driverIdClaim = props.driverIdClaim ?? ENVIRONMENT.DRIVER_ID_CLAIM.default;
    const customName = customAttributeName(this.driverIdAttribute, 'driverIdAttribute');
    const created = props.userPool
      ? undefined
      : new UserPool(this, 'Pool', {
          selfSignUpEnabled: false,
          signInAliases: { username: true },
          mfa: Mfa.REQUIRED,
          mfaSecondFactor: { otp: true, sms: false },
          // Plus (or Essentials) is what lets the V2 trigger customize access tokens.
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
          // The carrier's id of the driver (as its dispatch system names it in Parcel Out For Delivery).
          customAttributes: { [customName]: new StringAttribute({ minLen: 1, maxLen: 128, mutable: true }) },
          removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
        });
    if (props.userPool) refuseSharedPool(this, props.userPool);
    this.userPool = props.userPool ?? (created as UserPool);
    this.triggerAttached = created !== undefined;
    if (created) this.blockRiskySignIns(created, props.riskNotifications);
    const verify = new ResourceServerScope({
      scopeName: VERIFY_SCOPE_NAME,
      scopeDescription: 'Verify a handover code at the door',
    });
    this.resourceServer = this.userPool.addResourceServer('Api', {
      identifier: DRIVER_RESOURCE_SERVER,
      userPoolResourceServerName: 'Secure Delivery driver API',
      scopes: [verify],
    });
    // A literal, not `OAuthScope.resourceServer(...)` (a Ref): the pool, and so the server, depends on the trigger.
    this.verifyScope = VERIFY_SCOPE;

    this.tokenScopeFunction = new SecureDeliveryFunction(this, 'TokenScope', {
      handlerName: 'add-token-scope',
      description: 'Secure Delivery: adds the verify scope to drivers access tokens',
    })
      .setEnvironment('ACCESS_TOKEN_SCOPES', [this.verifyScope])
      .setEnvironment('DRIVER_ID_ATTRIBUTE', this.driverIdAttribute)
      .setEnvironment('DRIVER_ID_CLAIM', this.driverIdClaim);
    if (created) {
      created.addTrigger(
        UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG,
        this.tokenScopeFunction,
        LambdaVersion.V2_0,
      );
    } else {
      // The pool's owner attaches the trigger; Cognito may invoke it for this pool only.
      this.tokenScopeFunction.addPermission('CognitoInvoke', {
        principal: new ServicePrincipal('cognito-idp.amazonaws.com'),
        sourceArn: this.userPool.userPoolArn,
      });
      Annotations.of(this).addWarningV2(
        'secure-delivery:attachTokenTrigger',
        `drivers: the user pool is imported: attach ${this.tokenScopeFunction.node.path} (sd.driverPool.tokenScopeFunction) as its pre-token-generation trigger, event version V2_0, or no driver verifies (docs/integrate.md)`,
      );
    }
    // Any app client of the pool in this stack, the adopter's too, must not let a driver set their own id.
    this.node.addValidation({ validate: () => this.clientsWritingDriverId() });

    // What both app clients share: no secret, no hint whether a user exists, revocable tokens, their lifetimes,
    // and what a driver may change about themselves: the locale only. Never the driver id (an explicit list,
    // as none would let a client write every attribute).
    const clientDefaults = {
      writeAttributes: DRIVER_WRITABLE_ATTRIBUTES,
      generateSecret: false,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity,
      idTokenValidity: accessTokenValidity,
      refreshTokenValidity: props.refreshTokenValidity ?? Duration.hours(12),
    } as const satisfies UserPoolClientOptions;
    this.handheldClient = this.userPool.addClient('Handheld', {
      // The handheld signs in through Cognito's API (InitiateAuth, USER_SRP_AUTH) and refreshes; nothing else.
      authFlows: { userSrp: true },
      // No OAuth flow (no implicit or code grant, no callback URL): nothing goes live if a domain is added.
      disableOAuth: true,
      ...clientDefaults,
    });
    if (props.webApp) {
      const callback = `${props.webApp.url}/`;
      this.webClient = this.userPool.addClient('WebApp', {
        // Only refreshing through the API; signing in happens in managed login (code grant, PKCE, MFA).
        authFlows: { userSrp: false },
        oAuth: {
          flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
          // The access token carries the verify scope because the app asks for it (no trigger needed).
          scopes: [OAuthScope.OPENID, OAuthScope.custom(this.verifyScope)],
          callbackUrls: [callback],
          logoutUrls: [callback],
        },
        ...clientDefaults,
      });
      // The scope names the resource server by string, so the client must wait for the server to exist.
      this.webClient.node.addDependency(this.resourceServer);
      this.loginDomain = this.userPool.addDomain('Login', {
        cognitoDomain: { domainPrefix: props.webApp.loginDomainPrefix },
        managedLoginVersion: ManagedLoginVersion.NEWER_MANAGED_LOGIN,
      });
      new CfnManagedLoginBranding(this, 'LoginBranding', {
        userPoolId: this.userPool.userPoolId,
        clientId: this.webClient.userPoolClientId,
        useCognitoProvidedValues: true,
      });
      this.loginDomainUrl = `https://${props.webApp.loginDomainPrefix}.auth.${this.region}.amazoncognito.com`;
    }
    this.issuerUrl = `https://cognito-idp.${this.region}.amazonaws.com/${this.userPool.userPoolId}`;
  }

  /**
   * Threat protection's automated answers for every client (SRP sign-ins from the handheld with its
   * `UserContextData`, managed login): a high-risk sign-in is blocked, a medium-risk one must pass MFA, both
   * with an email to the driver from the deployment's mail identity; known-compromised credentials are
   * blocked at sign-in and password change.
   */
  private blockRiskySignIns(pool: UserPool, notify: DriverPoolProps['riskNotifications']): void {
    this.riskConfiguration = new CfnUserPoolRiskConfigurationAttachment(this, 'RiskConfiguration', {
      userPoolId: pool.userPoolId,
      clientId: 'ALL',
      accountTakeoverRiskConfiguration: {
        actions: {
          highAction: { eventAction: 'BLOCK', notify: notify !== undefined },
          mediumAction: { eventAction: 'MFA_REQUIRED', notify: notify !== undefined },
          lowAction: { eventAction: 'NO_ACTION', notify: false },
        },
        ...(notify
          ? { notifyConfiguration: { from: notify.from, replyTo: notify.from, sourceArn: notify.sourceArn } }
          : {}),
      },
      compromisedCredentialsRiskConfiguration: {
        actions: { eventAction: 'BLOCK' },
        eventFilter: ['SIGN_IN', 'PASSWORD_CHANGE'],
      },
    });
  }

  /** A message for each app client of this pool in this stack that may write the driver id attribute. */
  private clientsWritingDriverId(): string[] {
    const stack = Stack.of(this);
    const poolId = JSON.stringify(stack.resolve(this.userPool.userPoolId));
    return stack.node
      .findAll()
      .filter((node): node is CfnUserPoolClient => node instanceof CfnUserPoolClient)
      .filter((client) => JSON.stringify(stack.resolve(client.userPoolId)) === poolId)
      .filter((client) => {
        const writable = stack.resolve(client.writeAttributes) as string[] | undefined;
        return writable === undefined || writable.includes(this.driverIdAttribute);
      })
      .map(
        (client) =>
          `${client.node.path}: writeAttributes must not include ${this.driverIdAttribute} (no list writes every attribute): a driver could set their own driver id`,
      );
  }
}

/** The attributes a driver may set on themselves through an app client: their locale, nothing else. */
const DRIVER_WRITABLE_ATTRIBUTES = new ClientAttributes().withStandardAttributes({ locale: true });

/** `name` of a custom attribute `custom:<name>`; anything else fails synth naming `prop`. */
export function customAttributeName(attribute: string, prop: string): string {
  const match = /^custom:([A-Za-z0-9_]{1,20})$/.exec(attribute);
  if (!match?.[1])
    throw new Error(
      `${prop} must be a custom attribute, custom:<1-20 of A-Z a-z 0-9 _> (a standard attribute or sub could be changed by, or is no id of, the carrier), got ${attribute}`,
    );
  return match[1];
}

/**
 * Refuses a pool another SecureDelivery of the stack already uses: a pool holds one resource server
 * `secure-delivery` (its scope names no construct) and one pre-token-generation trigger.
 */
function refuseSharedPool(scope: DriverPool, userPool: IUserPool): void {
  const stack = Stack.of(scope);
  const poolId = JSON.stringify(stack.resolve(userPool.userPoolId));
  const other = stack.node
    .findAll()
    .find(
      (construct): construct is DriverPool =>
        construct instanceof DriverPool &&
        construct !== scope &&
        JSON.stringify(stack.resolve(construct.userPool.userPoolId)) === poolId,
    );
  if (other)
    throw new Error(
      `DriverIdentity.cognito: userPool is already the drivers' pool of ${other.node.scope?.node.path}: a pool holds one resource server '${DRIVER_RESOURCE_SERVER}' and one token trigger; give each SecureDelivery a pool of its own`,
    );
}
