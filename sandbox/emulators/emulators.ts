/**
 * Starts every emulator on loopback from one CloudFormation template behind one AWS endpoint: DynamoDB
 * (dynalite behind its streams front), SES (aws-ses-v2-local behind SES's checks), EventBridge, Step
 * Functions, Secrets Manager, KMS, SMS, STS, the Cognito issuers, sign-in API and managed login, the
 * OIDC providers; the HTTP API; and the template's functions run in-process from the modules a handler
 * resolver names. Nothing here knows which product the template is.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import { createAwsEndpoint } from './aws-endpoint.ts';
import { awsRoutes, routeAwsRequest } from './aws-routes.ts';
import { awsOperations } from './aws-server.ts';
import { type AuthEvent, cognitoUserApi } from './cognito-user-api.ts';
import { dynamodbOperations, type LocalDynamoDb, startDynamoDb } from './dynamodb.ts';
import { LocalDynamoDbStreams } from './dynamodb-streams.ts';
import type { LocalEventBus } from './eventbridge/bus.ts';
import type { FaultProxy } from './fault-proxy.ts';
import { type HandlerResolver, LocalFunctions } from './functions.ts';
import { managedLoginsOf } from './http-api/from-template.ts';
import type { LocalJwtIssuer, SignInSubject, TokenIssuer } from './http-api/jwt-issuer.ts';
import type { LocalManagedLogin } from './http-api/managed-login.ts';
import type { LocalOidcProvider } from './http-api/oidc-provider.ts';
import type { IamCredentials } from './http-api/sigv4.ts';
import { SandboxIam } from './iam.ts';
import { ADMINISTRATOR_POLICY } from './iam-authentication.ts';
import { eventInvoker } from './lambda-invocation.ts';
import { SandboxLog } from './log.ts';
import { close, listen } from './net.ts';
import type { LocalPipes } from './pipes.ts';
import { pointSdkClientsAt } from './sdk-endpoints.ts';
import { type ServiceFaults, startServiceFronts } from './service-fronts.ts';
import { LocalSms } from './sms.ts';
import type { LocalSns } from './sns.ts';
import { startCognito } from './start-cognito.ts';
import { startEventBus } from './start-eventbridge.ts';
import { startHttpApi } from './start-http-api.ts';
import { type OidcProviderSettings, startOidcProviders } from './start-oidc.ts';
import { startPipes } from './start-pipes.ts';
import { type LocalSes, startSes } from './start-ses.ts';
import { startSns } from './start-sns.ts';
import { startStepFunctions } from './start-stepfunctions.ts';
import type { LocalStepFunctions } from './stepfunctions.ts';
import { type SandboxEnv, type Template, TemplateResolver } from './template.ts';

/** Ports the emulators listen on; 0 picks a free one. */
export interface EmulatorPorts {
  /** The HTTP API. */
  readonly api: number;
  /** The one AWS endpoint every emulated service answers on. */
  readonly aws: number;
}

/** What {@link startEmulators} runs, and the settings that belong to the application, not to AWS. */
export interface EmulatorOptions {
  /** The synthesized template to run. */
  readonly template: Template;
  /** Account, region and stack name the template runs as. */
  readonly env: SandboxEnv;
  /** Where each function's handler module is. */
  readonly handlers: HandlerResolver;
  readonly ports: EmulatorPorts;
  /** Where log lines go; defaults to stdout. */
  readonly write?: (line: string) => void;
  /** Progress messages while starting. */
  readonly progress?: (message: string) => void;
  /** Retry waits of workflows and bus targets in ms (tests shorten them); default keeps the template's. */
  readonly retryDelayMs?: number;
  /** Local URL of the app the template's CloudFront distributions serve (callback URLs, CORS origins); none by default. */
  readonly appUrl?: string;
  /**
   * The IAM user outside the template that signs the HTTP API's IAM routes (SigV4, execute-api), and its
   * keys; its one policy allows `execute-api:Invoke` on the template's APIs, nothing else.
   */
  readonly httpApiCaller: { readonly userName: string; readonly credentials: IamCredentials };
  /** How the user pools' password-less sandbox sign-in names a user (`DEFAULT_SIGN_IN_SUBJECT` by default). */
  readonly signInSubject?: SignInSubject;
  /** Detail fields each event's bus log line names (field to label); none by default. */
  readonly eventLogFields?: Readonly<Record<string, string>>;
  /** Every user pool user's password, for SRP sign-ins through `InitiateAuth`; none (every SRP sign-in fails) by default. */
  readonly userPassword?: string;
  /** OpenID Connect providers outside AWS the template's JWT authorizers name; none by default. */
  readonly oidcProviders?: readonly OidcProviderSettings[];
}

/** Where the emulators answer. */
export interface EmulatorEndpoints {
  readonly region: string;
  /** The one AWS endpoint: every emulated service, routed as AWS routes a request. */
  readonly awsEndpoint: string;
  readonly apiUrl: string;
  /** The account administrator's keys (IAM user `sandbox-admin`, allowed everything): what the process's SDK clients sign with. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** Running emulators. */
export interface Emulators {
  readonly endpoints: EmulatorEndpoints;
  readonly log: SandboxLog;
  readonly bus: LocalEventBus;
  readonly stepFunctions: LocalStepFunctions;
  /** Fault injection at the DynamoDB, SES and KMS endpoints the handlers call. */
  readonly faults: { readonly dynamodb: FaultProxy; readonly ses: FaultProxy; readonly kms: FaultProxy };
  /** The template's functions as the sandbox runs them (invocation counts and durations). */
  readonly functions: LocalFunctions;
  /** DynamoDB Streams of the template's tables (every record, in order). */
  readonly streams: LocalDynamoDbStreams;
  /** The template's pipes (stream to bus), with their dead-letter list. */
  readonly pipes: LocalPipes;
  /** The SMS endpoint's sent messages. */
  readonly sms: LocalSms;
  /** The template the emulators run, and the local issuers standing in for its user pools. */
  readonly resolver: TemplateResolver;
  readonly issuers: ReadonlyMap<string, LocalJwtIssuer>;
  /** The managed-login domain of each user pool that has one. */
  readonly managedLogins: readonly LocalManagedLogin[];
  /** Every sign-in through the user pools' API, with the device data (`UserContextData`) it carried. */
  readonly userAuthEvents: readonly AuthEvent[];
  /** The local OpenID Connect providers, by the issuer the template names. */
  readonly oidcProviders: ReadonlyMap<string, LocalOidcProvider>;
  /** IAM as the template defines it: each function's credentials, and every decision taken. */
  readonly iam: SandboxIam;
  /** Runs the TTL sweep now (it also runs every 5 s): deletes items whose TTL attribute has passed. */
  sweepExpired(nowSeconds?: number): Promise<number>;
  /** Waits until every event delivery and workflow started so far has finished. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

/** The account administrator's long-term keys (IAM user {@link ADMIN_USER_NAME}). */
const CREDENTIALS = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox-secret' };
/** The IAM user the administrator's keys belong to. */
const ADMIN_USER_NAME = 'sandbox-admin';

/** What is started so far, stopped in reverse if a later start fails. */
interface Started {
  readonly servers: Server[];
  readonly stops: (() => Promise<void>)[];
}

/**
 * Starts the emulators on loopback from the template, with its functions loaded through `handlers`.
 * Functions reach the emulators through the standard AWS_ENDPOINT_URL_* variables (set in this process).
 */
export async function startEmulators(options: EmulatorOptions): Promise<Emulators> {
  const started: Started = { servers: [], stops: [] };
  try {
    return await startAll(options, started);
  } catch (error) {
    for (const server of started.servers) await close(server);
    for (const stop of started.stops) await stop().catch(() => undefined);
    throw error;
  }
}

async function startAll(options: EmulatorOptions, started: Started): Promise<Emulators> {
  const progress = options.progress ?? (() => undefined);
  const doors = await startFrontDoors(options, started, progress);
  const services = await startServices(options, doors, started, progress);
  progress('starting the HTTP API');
  const api = await startHttpApi({
    ...doors,
    // The template names each issuer as AWS sees it: a Cognito pool's, or an OIDC provider's `https://` URL.
    issuers: new Map<string, TokenIssuer>([...doors.issuers, ...doors.oidcProviders]),
    functions: doors.functions,
    httpApiCaller: options.httpApiCaller,
    appUrl: options.appUrl,
    port: options.ports.api,
  });
  started.servers.push(api.server);
  return running({ ...doors, ...services, apiUrl: api.url }, started);
}

/** The emulators every service sits behind or calls: SES, the AWS endpoint, IAM, the functions, Cognito, DynamoDB. */
interface FrontDoors {
  readonly resolver: TemplateResolver;
  readonly log: SandboxLog;
  readonly iam: SandboxIam;
  readonly functions: LocalFunctions;
  readonly ses: LocalSes;
  readonly awsBase: string;
  /** Sets the AWS endpoint's handler, once its services exist. */
  readonly serveAws: (handler: RequestListener) => void;
  readonly issuers: Map<string, LocalJwtIssuer>;
  readonly managedLogins: LocalManagedLogin[];
  readonly oidcProviders: Map<string, LocalOidcProvider>;
  readonly streams: LocalDynamoDbStreams;
  readonly dynamodb: LocalDynamoDb;
  readonly faults: ServiceFaults;
  /** When the template's resources came to be: the sandbox's start. */
  readonly createdAt: Date;
}

/**
 * Starts SES, the AWS endpoint (listening before its handler exists: the issuer URLs the template's
 * authorizers map to need its port), the user pools' issuers, DynamoDB with its streams and the fronts
 * the handlers call, then points the SDK at them.
 */
async function startFrontDoors(
  options: EmulatorOptions,
  { servers, stops }: Started,
  progress: (message: string) => void,
): Promise<FrontDoors> {
  const { ports } = options;
  const log = new SandboxLog(options.write);
  const resolver = new TemplateResolver(options.template, options.env);
  progress('starting SES (aws-ses-v2-local)');
  const ses = await startSes({ port: 0, resolver });
  servers.push(ses.server);
  let awsHandler: RequestListener | undefined;
  const awsServer = createServer((request, response) => awsHandler?.(request, response));
  const awsBase = `http://127.0.0.1:${await listen(awsServer, ports.aws, 'AWS services (SANDBOX_AWS_PORT)')}`;
  servers.push(awsServer);

  const iam = new SandboxIam(resolver, log);
  iam.addUser({ userName: ADMIN_USER_NAME, credentials: CREDENTIALS, policy: ADMINISTRATOR_POLICY });
  iam.addUser({
    ...options.httpApiCaller,
    policy: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'execute-api:Invoke',
          Resource: `arn:aws:execute-api:${options.env.region}:${options.env.accountId}:*`,
        },
      ],
    },
  });
  const functions = new LocalFunctions(resolver, options.handlers, log, (id) => iam.credentialsOf(id));
  const issuers = await startCognito({
    resolver,
    iam,
    awsBase,
    ...(options.signInSubject ? { signInSubject: options.signInSubject } : {}),
    invoke: (functionId, event) => functions.invoke(functionId, event),
  });
  // The app's URL stands for the distribution's in callback URLs and CORS origins.
  const managedLogins = managedLoginsOf(resolver, issuers, awsBase, options.appUrl);
  const oidcProviders = await startOidcProviders(options.oidcProviders ?? [], awsBase, options.appUrl);

  progress('starting DynamoDB (dynalite) and its streams');
  const streams = new LocalDynamoDbStreams(resolver, log);
  const dynamodb = await startDynamoDb(resolver, { port: 0, log, streams });
  stops.push(dynamodb.stop);
  const fronts = await startServiceFronts({ log, awsEndpoint: awsBase });
  servers.push(fronts.faults.dynamodb.server, fronts.faults.ses.server, fronts.faults.kms.server);
  pointSdkClientsAt({ region: options.env.region, aws: awsBase, ...fronts.endpoints }, CREDENTIALS);
  const serveAws = (handler: RequestListener) => {
    awsHandler = handler;
  };
  return {
    resolver,
    log,
    iam,
    functions,
    ses,
    awsBase,
    serveAws,
    issuers,
    managedLogins,
    oidcProviders,
    streams,
    dynamodb,
    faults: fronts.faults,
    createdAt: new Date(),
  };
}

/** The services behind the AWS endpoint: the bus, the state machines, the pipes and SMS. */
interface Services {
  readonly bus: LocalEventBus;
  readonly stepFunctions: LocalStepFunctions;
  readonly pipes: LocalPipes;
  readonly sms: LocalSms;
  readonly sns: LocalSns;
  readonly userAuthEvents: readonly AuthEvent[];
}

/**
 * Starts EventBridge, Step Functions and Pipes (each calling as its role), loads the handlers, publishes
 * SES's events to the bus, and serves the AWS endpoint: operations by `X-Amz-Target`, the rest by route.
 */
async function startServices(
  options: EmulatorOptions,
  doors: FrontDoors,
  { stops }: Started,
  progress: (message: string) => void,
): Promise<Services> {
  const { resolver, log, iam, functions } = doors;
  const retryDelayMs = options.retryDelayMs ?? 200;
  progress('loading the handlers');
  let stepFunctions: LocalStepFunctions | undefined;
  const invokeFunction = eventInvoker({ resolver, functions: () => functions, iam, log, retryDelayMs });
  const events = startEventBus({
    resolver,
    iam,
    log,
    invokeFunction,
    stepFunctions: () => stepFunctions,
    retryDelayMs,
    createdAt: doors.createdAt,
    ...(options.eventLogFields ? { eventLogFields: options.eventLogFields } : {}),
  });
  const bus = events.bus;
  stops.push(events.stop);
  stepFunctions = startStepFunctions({
    resolver,
    iam,
    log,
    functions,
    bus,
    ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
  });
  const pipes = startPipes({ resolver, iam, log, streams: doors.streams, bus, retryDelayMs });
  await functions.warmAll();
  doors.ses.publishEventsTo(bus);

  const sms = new LocalSms(resolver);
  const sns = startSns({ resolver, iam, log, sms, invokeFunction });
  const routes = awsRoutes({ ...doors, bus, stepFunctions, sms, sesBackend: doors.ses.endpoint });
  const userApi = cognitoUserApi({ resolver, issuers: doors.issuers, password: options.userPassword });
  doors.serveAws(
    createAwsEndpoint({
      resolver,
      iam,
      log,
      operations: awsOperations({
        resolver,
        bus,
        stepFunctions,
        sms,
        streams: doors.streams,
        createdAt: doors.createdAt,
      }),
      backends: { dynamodb: doors.dynamodb.endpoint, ses: doors.ses.endpoint },
      dynamodbOperations: dynamodbOperations(),
      unsignedOperations: userApi.operations,
      routes: (route) => routeAwsRequest(routes, route),
      baseUrl: doors.awsBase,
    }),
  );
  return { bus, stepFunctions, pipes, sms, sns, userAuthEvents: userApi.authEvents };
}

/** The running emulators: their endpoints and parts, `settled` and `stop`. */
function running(
  parts: FrontDoors & Services & { readonly apiUrl: string },
  { servers, stops }: Started,
): Emulators {
  const { ses, pipes, bus, stepFunctions, dynamodb, sms, sns } = parts;
  const settled = async () => {
    for (let round = 0; round < 50; round++) {
      await ses.settled();
      await sms.settled();
      await sns.settled();
      await pipes.settled();
      await bus.settled();
      await stepFunctions.settled();
      await pipes.settled();
      const before = bus.events.length;
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (bus.events.length === before && !ses.pending && !sms.reportPending && !sns.busy) return;
    }
  };
  return {
    endpoints: {
      region: parts.resolver.env.region,
      awsEndpoint: parts.awsBase,
      apiUrl: parts.apiUrl,
      credentials: CREDENTIALS,
    },
    log: parts.log,
    bus,
    stepFunctions,
    faults: parts.faults,
    functions: parts.functions,
    streams: parts.streams,
    pipes,
    sms: parts.sms,
    resolver: parts.resolver,
    issuers: parts.issuers,
    managedLogins: parts.managedLogins,
    oidcProviders: parts.oidcProviders,
    userAuthEvents: parts.userAuthEvents,
    iam: parts.iam,
    sweepExpired: (nowSeconds) => dynamodb.sweepExpired(nowSeconds),
    settled,
    stop: async () => {
      await settled().catch(() => undefined);
      for (const server of servers.reverse()) await close(server);
      for (const stop of stops) await stop();
    },
  };
}
