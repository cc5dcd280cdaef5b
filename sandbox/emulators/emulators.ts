/**
 * Starts every emulator on loopback from one CloudFormation template: dynalite behind its streams and IAM
 * fronts, aws-ses-v2-local behind SES's checks, the AWS JSON endpoint (EventBridge, Step Functions, Secrets
 * Manager, KMS, SMS, Cognito issuers and managed login), the HTTP API, and the template's functions run
 * in-process from the modules a handler resolver names. Nothing here knows which product the template is.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import { AwsJsonError } from './aws-protocol.ts';
import { awsRoutes, routeAwsRequest } from './aws-routes.ts';
import { createAwsRequestHandler } from './aws-server.ts';
import { type AuthEvent, cognitoUserApi } from './cognito-user-api.ts';
import { type LocalDynamoDb, startDynamoDb } from './dynamodb.ts';
import { LocalDynamoDbStreams } from './dynamodb-streams.ts';
import type { LocalEventBus } from './eventbridge/bus.ts';
import type { FaultProxy } from './fault-proxy.ts';
import { type HandlerResolver, LocalFunctions } from './functions.ts';
import { managedLoginsOf } from './http-api/from-template.ts';
import type { LocalJwtIssuer, SignInSubject, TokenIssuer } from './http-api/jwt-issuer.ts';
import type { LocalManagedLogin } from './http-api/managed-login.ts';
import type { LocalOidcProvider } from './http-api/oidc-provider.ts';
import type { IamCredentials } from './http-api/sigv4.ts';
import { SandboxIam, SIGNATURE_MISMATCH } from './iam.ts';
import { AWS_JSON_AUTHORIZATION } from './iam-actions.ts';
import { eventInvoker } from './lambda-invocation.ts';
import { SandboxLog } from './log.ts';
import { close, listen } from './net.ts';
import type { LocalPipes } from './pipes.ts';
import { type ServiceFaults, startServiceFronts } from './service-fronts.ts';
import { LocalSms } from './sms.ts';
import { startCognito } from './start-cognito.ts';
import { startEventBus } from './start-eventbridge.ts';
import { startHttpApi } from './start-http-api.ts';
import { type OidcProviderSettings, startOidcProviders } from './start-oidc.ts';
import { startPipes } from './start-pipes.ts';
import { type LocalSes, startSes } from './start-ses.ts';
import { startStepFunctions } from './start-stepfunctions.ts';
import type { LocalStepFunctions } from './stepfunctions.ts';
import { type SandboxEnv, type Template, TemplateResolver } from './template.ts';

/** Ports the emulators listen on; 0 picks a free one. */
export interface EmulatorPorts {
  readonly api: number;
  readonly aws: number;
  readonly dynamodb: number;
  readonly ses: number;
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
  /** The IAM user outside the template that signs the HTTP API's IAM routes (SigV4, execute-api), and its keys. */
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
  /** The AWS JSON endpoint: EventBridge, Step Functions, Secrets Manager, KMS, SMS, the Cognito issuers. */
  readonly awsEndpoint: string;
  readonly apiUrl: string;
  readonly sesEndpoint: string;
  readonly dynamodbEndpoint: string;
  /** The credentials the process's AWS SDK clients sign with (any client outside a function). */
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

const CREDENTIALS = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox-secret' };

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
  const ses = await startSes({ port: ports.ses, resolver });
  servers.push(ses.server);
  let awsHandler: RequestListener | undefined;
  const awsServer = createServer((request, response) => awsHandler?.(request, response));
  const awsBase = `http://127.0.0.1:${await listen(awsServer, ports.aws, 'AWS services (SANDBOX_AWS_PORT)')}`;
  servers.push(awsServer);

  const iam = new SandboxIam(resolver, log);
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
  const dynamodb = await startDynamoDb(resolver, { port: ports.dynamodb, log, streams });
  stops.push(dynamodb.stop);
  const fronts = await startServiceFronts({
    resolver,
    iam,
    log,
    backends: { dynamodb: dynamodb.endpoint, ses: ses.endpoint, aws: awsBase },
  });
  servers.push(fronts.faults.dynamodb.server, fronts.faults.ses.server, fronts.faults.kms.server);
  pointSdkClientsAt({ region: options.env.region, aws: awsBase, ...fronts.endpoints });
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
  };
}

/** The services behind the AWS endpoint: the bus, the state machines, the pipes and SMS. */
interface Services {
  readonly bus: LocalEventBus;
  readonly stepFunctions: LocalStepFunctions;
  readonly pipes: LocalPipes;
  readonly sms: LocalSms;
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
  const routes = awsRoutes({ ...doors, bus, stepFunctions, sms, sesEndpoint: doors.ses.endpoint });
  const userApi = cognitoUserApi({ resolver, issuers: doors.issuers, password: options.userPassword });
  doors.serveAws(
    createAwsRequestHandler({
      resolver,
      bus,
      stepFunctions,
      sms,
      log,
      authorize: async (request, target, body, raw) => {
        if (!(await iam.signatureValid(request, raw)))
          throw new AwsJsonError('InvalidSignatureException', SIGNATURE_MISMATCH);
        const named = AWS_JSON_AUTHORIZATION[target]?.(body, resolver) ?? [];
        // A request naming no resource is authorized on `*`, as AWS does (a grant on ARNs does not cover it).
        const requests =
          named.length > 0
            ? named
            : [{ action: `${target.split('.')[0]}:${target.split('.').pop()}`, resource: '*' }];
        const denial = await iam.authorizeSigned(request.headers, requests);
        if (denial) throw new AwsJsonError('AccessDeniedException', denial.message);
      },
      unsignedOperations: userApi.operations,
      fallback: (request, response, body) =>
        routeAwsRequest(routes, { request, response, body, url: new URL(request.url ?? '/', doors.awsBase) }),
    }),
  );
  return { bus, stepFunctions, pipes, sms, userAuthEvents: userApi.authEvents };
}

/** The running emulators: their endpoints and parts, `settled` and `stop`. */
function running(
  parts: FrontDoors & Services & { readonly apiUrl: string },
  { servers, stops }: Started,
): Emulators {
  const { ses, pipes, bus, stepFunctions, dynamodb } = parts;
  const settled = async () => {
    for (let round = 0; round < 50; round++) {
      await ses.settled();
      await pipes.settled();
      await bus.settled();
      await stepFunctions.settled();
      await pipes.settled();
      const before = bus.events.length;
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (bus.events.length === before && !ses.pending) return;
    }
  };
  return {
    endpoints: {
      region: parts.resolver.env.region,
      awsEndpoint: parts.awsBase,
      apiUrl: parts.apiUrl,
      sesEndpoint: ses.endpoint,
      dynamodbEndpoint: dynamodb.endpoint,
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

/** Points every AWS SDK client in this process (the handlers' too) at the emulators, with the sandbox's keys. */
function pointSdkClientsAt(endpoints: {
  readonly region: string;
  readonly aws: string;
  readonly dynamodb: string;
  readonly ses: string;
  readonly kms: string;
}): void {
  Object.assign(process.env, {
    AWS_REGION: endpoints.region,
    AWS_DEFAULT_REGION: endpoints.region,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SES: endpoints.ses,
    AWS_ENDPOINT_URL_EVENTBRIDGE: endpoints.aws,
    AWS_ENDPOINT_URL_SFN: endpoints.aws,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.aws,
    AWS_ENDPOINT_URL_KMS: endpoints.kms,
    AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: endpoints.aws,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  delete process.env.AWS_PROFILE;
}
