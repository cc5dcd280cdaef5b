import { CfnElement, Duration, Names, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENVIRONMENT } from '../lambdas/contracts/environment.ts';
import type { RouteContract } from '../lambdas/contracts/http/routes.ts';
import { stackScopedName } from './physical-names.ts';
import { inStackAccount } from './principals.ts';

/** Props for {@link DeliveryApi}. */
export interface DeliveryApiProps {
  /**
   * The drivers' JWT authorizer, the API's default (its construct id `Drivers`): Cognito's pool and app
   * clients, or an OIDC provider's issuer and audience.
   */
  readonly driverAuthorizer: IHttpRouteAuthorizer;
  /**
   * The scopes a JWT route requires, in place of the contract's (an OIDC provider names its own).
   * @default each route's scopes as the contract has them
   */
  readonly jwtScopes?: readonly string[];
  /**
   * Browser origins allowed to call the API (CORS), e.g. the driver app's CloudFront URL.
   * @default none: no CORS configuration, browsers on other origins cannot read answers
   */
  readonly allowedOrigins?: readonly string[];
  /**
   * How long the access logs (the audit trail of every request) are kept; retained when the stack is deleted.
   * @default RetentionDays.ONE_YEAR
   */
  readonly auditLogRetention?: RetentionDays;
  /**
   * The access-token claim holding the driver's id, which each access log line names (`driverId`).
   * @default the contract's DRIVER_ID_CLAIM default, `driver_id`
   */
  readonly driverIdClaim?: string;
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
  /**
   * Id of the construct (a child of the same scope) this API's resources were first deployed under: they
   * keep the logical IDs they had there, so a deployed API keeps its id and URL, its routes and its logs.
   * @default this construct's own id
   */
  readonly logicalIdsOf?: string;
}

/**
 * The one HTTP API: `$default` stage with throttling and retained access logs, CORS, the drivers' JWT
 * authorizer as default. Routes attach from the contract (`lambdas/contracts/http/routes.ts`)
 * with {@link addRoute}.
 */
export class DeliveryApi extends Construct {
  /** The HTTP API. */
  public readonly httpApi: HttpApi;
  /** The `$default` stage. */
  public readonly stage: HttpStage;
  /** The stage's access log group (retained). */
  public readonly accessLogs: LogGroup;
  /** Base URL of the API's default stage. */
  public readonly url: string;
  private readonly logicalIdsOf: string;
  private readonly jwtScopes?: readonly string[];

  constructor(scope: Construct, id: string, props: DeliveryApiProps) {
    super(scope, id);
    this.logicalIdsOf = props.logicalIdsOf ?? id;
    if (props.jwtScopes) this.jwtScopes = props.jwtScopes;
    this.httpApi = new HttpApi(this, 'Api', {
      apiName: stackScopedName(this, '', { maxLength: 128 }),
      description: 'Secure Delivery: driver handover verification',
      createDefaultStage: false,
      defaultAuthorizer: props.driverAuthorizer,
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
    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      // Under /aws/vendedlogs/, delivery needs no entry in the account's 5,120-character logs resource policy.
      logGroupName: `/aws/vendedlogs/apigateway/${stackScopedName(this, 'access', { maxLength: 480 })}`,
      retention: props.auditLogRetention ?? RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit ?? 200, burstLimit: props.burstLimit ?? 400 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: accessLogFormat(props.driverIdClaim ?? ENVIRONMENT.DRIVER_ID_CLAIM.default),
      },
    });
    this.url = this.stage.url;
    this.keepLogicalIds();
  }

  /** Adds a route of the contract: its method, path and authorization (JWT with scopes, or SigV4), served by `handler`. */
  addRoute(route: RouteContract<string>, handler: IFunction): void {
    const authorization = route.authorization;
    this.httpApi.addRoutes({
      path: route.path,
      methods: [HttpMethod[route.method]],
      integration: new HttpLambdaIntegration(`${route.name}Integration`, handler),
      ...(authorization.type === 'jwt'
        ? { authorizationScopes: [...(this.jwtScopes ?? authorization.scopes)] }
        : { authorizer: new HttpIamAuthorizer() }),
    });
    this.keepLogicalIds();
  }

  /** Lets `grantee` call these routes (and only these) with SigV4, on the `$default` stage. */
  grantInvoke(grantee: IGrantable, routes: readonly RouteContract<string>[]): void {
    const { partition, region, account } = Stack.of(this);
    const api = `arn:${partition}:execute-api:${region}:${account}:${this.httpApi.apiId}`;
    // HTTP APIs take no resource policy: a principal whose policy cannot be changed here would get nothing.
    const granted = inStackAccount(grantee, this)
      ? grantee.grantPrincipal.addToPrincipalPolicy(
          new PolicyStatement({
            actions: ['execute-api:Invoke'],
            // A path parameter matches any one value: `/parcels/{parcelId}/otp` → `/parcels/*/otp`.
            resources: routes.map(
              (route) => `${api}/$default/${route.method}${route.path.replace(/\{[^}]+\}/g, '*')}`,
            ),
          }),
        )
      : undefined;
    if (!granted?.statementAdded)
      throw new Error(
        "grantRecipientApi needs a principal of this account whose policy the stack can change, e.g. a role the shop backend's account may assume",
      );
    if (Construct.isConstruct(grantee)) this.acknowledgeRouteWildcards(grantee, routes);
  }

  /** The `*` in a granted route is its path parameter (any one parcel id): acknowledged where the grant lands. */
  private acknowledgeRouteWildcards(grantee: Construct, routes: readonly RouteContract<string>[]): void {
    const stack = Stack.of(this);
    const nagName = (value: string, token: string) => (Token.isUnresolved(value) ? token : value);
    const apiId = stack.resolve((this.httpApi.node.defaultChild as CfnElement).logicalId) as string;
    const base = `arn:<AWS::Partition>:execute-api:${nagName(stack.region, '<AWS::Region>')}:${nagName(stack.account, '<AWS::AccountId>')}:<${apiId}>`;
    Validations.of(grantee).acknowledge(
      ...routes.map((route) => ({
        id: `AwsSolutions-IAM5[Resource::${base}/$default/${route.method}${route.path.replace(/\{[^}]+\}/g, '*')}]`,
        reason:
          "The * is the route's parcelId path parameter: the caller may name any parcel, and the recipient routes answer only for the recipient it vouches for.",
      })),
    );
  }

  /**
   * Gives every CloudFormation resource under this construct the logical ID it would have under
   * {@link DeliveryApiProps.logicalIdsOf}, computed by CDK's own naming on a detached copy of its path.
   */
  private keepLogicalIds(): void {
    if (this.logicalIdsOf === this.node.id) return;
    const depth = this.node.scopes.length;
    for (const child of this.node.findAll()) {
      if (!CfnElement.isCfnElement(child)) continue;
      const below = child.node.scopes.slice(depth).map((construct) => construct.node.id);
      child.overrideLogicalId(logicalIdAt([...stackPathOf(this).slice(0, -1), this.logicalIdsOf, ...below]));
    }
  }
}

/**
 * One JSON object per request: route, status, latencies, the integration's and authorizer's errors, the
 * driver id claim of a JWT route and the IAM caller of a SigV4 one; never a header, token or body.
 */
export function accessLogFormat(driverIdClaim: string): AccessLogFormat {
  // A context variable names a claim only when it is a plain word (`driver_id`); others stay out of the line.
  const driverId = /^\w+$/.test(driverIdClaim) ? `$context.authorizer.claims.${driverIdClaim}` : '-';
  return AccessLogFormat.custom(
    JSON.stringify({
      requestId: '$context.requestId',
      requestTime: '$context.requestTime',
      routeKey: '$context.routeKey',
      path: '$context.path',
      status: '$context.status',
      responseLatencyMs: '$context.responseLatency',
      integrationStatus: '$context.integrationStatus',
      integrationLatencyMs: '$context.integrationLatency',
      integrationError: '$context.integrationErrorMessage',
      authorizerError: '$context.authorizer.error',
      driverId,
      caller: '$context.identity.userArn',
      sourceIp: '$context.identity.sourceIp',
    }),
  );
}

/** Ids of the constructs from below the stack down to `construct`. */
function stackPathOf(construct: Construct): string[] {
  const scopes = construct.node.scopes;
  const stackIndex = scopes.indexOf(Stack.of(construct));
  return scopes.slice(stackIndex + 1).map((scope) => scope.node.id);
}

/** The logical ID CDK gives a resource at this path below a stack (`Names.uniqueId` is the same naming). */
function logicalIdAt(path: readonly string[]): string {
  let scope = new Construct(undefined as unknown as Construct, '');
  for (const id of path) scope = new Construct(scope, id);
  return Names.uniqueId(scope);
}
