import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as sesModule from 'aws-ses-v2-local';
import { AwsJsonError } from '../emulators/aws-protocol.ts';
import { createAwsRequestHandler, executionView } from '../emulators/aws-server.ts';
import { startDynamoDb } from '../emulators/dynamodb.ts';
import { LocalDynamoDbStreams } from '../emulators/dynamodb-streams.ts';
import { LocalEventBus } from '../emulators/eventbridge/bus.ts';
import { FaultProxy, type ProxyAnswer } from '../emulators/fault-proxy.ts';
import { FunctionError, LocalFunctions } from '../emulators/functions.ts';
import { handleIssuerRequest, LocalJwtIssuer } from '../emulators/http-api/jwt-issuer.ts';
import type { LocalManagedLogin } from '../emulators/http-api/managed-login.ts';
import { createHttpApiServer } from '../emulators/http-api-server.ts';
import { type Denial, SandboxIam, SIGNATURE_MISMATCH } from '../emulators/iam.ts';
import { AWS_JSON_AUTHORIZATION, dynamodbAuthorization, sesAuthorization } from '../emulators/iam-actions.ts';
import { SandboxLog } from '../emulators/log.ts';
import { close, listen } from '../emulators/net.ts';
import { LocalPipes } from '../emulators/pipes.ts';
import { guardSes } from '../emulators/ses.ts';
import { SesEventPublishing } from '../emulators/ses-simulator.ts';
import { LocalSms } from '../emulators/sms.ts';
import { LocalStepFunctions } from '../emulators/stepfunctions.ts';
import { loadTemplate, type SandboxEnv, type Template, TemplateResolver } from '../emulators/template.ts';
import { apiCorsOf, createDriverAppServer, driverAppConfigOf, managedLoginsOf } from './driver-app-server.ts';
import { secureDeliveryHandlers } from './handlers.ts';
import { REPO_ROOT } from './paths.ts';
import { synthesizeTemplate } from './synth.ts';

/** Ports the sandbox listens on; 0 picks a free one (tests). */
export interface SandboxPorts {
  readonly api: number;
  readonly aws: number;
  readonly dynamodb: number;
  readonly ses: number;
  /** The driver app; free port when omitted. */
  readonly driverApp?: number;
}

/** Default ports, each overridable by its environment variable. */
export const DEFAULT_PORTS: SandboxPorts = {
  api: 4000,
  aws: 4010,
  dynamodb: 4011,
  ses: 4012,
  driverApp: 4020,
};

/** Reads port overrides from SANDBOX_API_PORT, SANDBOX_AWS_PORT, SANDBOX_DYNAMODB_PORT, SANDBOX_SES_PORT. */
export function portsFromEnv(env: NodeJS.ProcessEnv = process.env): SandboxPorts {
  const read = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new Error(`${name} must be a port number, got ${raw}`);
    return port;
  };
  return {
    api: read('SANDBOX_API_PORT', DEFAULT_PORTS.api),
    aws: read('SANDBOX_AWS_PORT', DEFAULT_PORTS.aws),
    dynamodb: read('SANDBOX_DYNAMODB_PORT', DEFAULT_PORTS.dynamodb),
    ses: read('SANDBOX_SES_PORT', DEFAULT_PORTS.ses),
    driverApp: read('SANDBOX_DRIVER_APP_PORT', DEFAULT_PORTS.driverApp ?? 0),
  };
}

/** The contract `.sandbox/endpoints.json` holds. */
export interface SandboxEndpoints {
  readonly region: string;
  readonly eventBusName: string;
  readonly eventSource: string;
  readonly eventsEndpoint: string;
  readonly apiUrl: string;
  readonly sesEndpoint: string;
  readonly dynamodbEndpoint: string;
  readonly driverTokenUrl: string;
  /** The drivers' web app (sign-in through the local managed login). */
  readonly driverAppUrl: string;
  readonly stepFunctionsEndpoint: string;
  readonly secretsManagerEndpoint: string;
  readonly kmsEndpoint: string;
  readonly inspectUrl: string;
  /** Sandbox-only (not an AWS API): every workflow execution with its input, status, output or error. */
  readonly inspectExecutionsUrl: string;
  /** End User Messaging SMS (`pinpoint-sms-voice-v2`) endpoint. */
  readonly smsEndpoint: string;
  /** Sandbox-only: every SMS sent, a JSON list of `{ destinationPhoneNumber, messageBody, messageId, sentAt }`; `<smsInboxUrl>/page` shows them beside the email inbox. */
  readonly smsInboxUrl: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Credentials the shop backend signs recipient routes with (SigV4, service execute-api). */
  readonly iam: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** Options of {@link startSandbox}. */
export interface SandboxOptions {
  readonly ports?: SandboxPorts;
  /** Where log lines go; defaults to stdout. */
  readonly write?: (line: string) => void;
  /** Progress messages while starting. */
  readonly progress?: (message: string) => void;
  /** Retry waits of workflows and bus targets in ms (tests shorten them); default keeps the template's. */
  readonly retryDelayMs?: number;
  /** Write `.sandbox/endpoints.json` under this folder. */
  readonly endpointsDir?: string;
  /** cdk.json-style context overrides for the synthesized stack. */
  readonly context?: Record<string, unknown>;
  /**
   * An already synthesized template to run instead of synthesizing in-process: a file path (e.g.
   * `cdk.out/SecureDelivery.template.json`; account and region come from the `manifest.json` beside it)
   * or a parsed template (tests run modified copies). Handlers are found through the stack's metadata.
   */
  readonly template?: string | Template;
}

/** A running sandbox. */
export interface Sandbox {
  readonly endpoints: SandboxEndpoints;
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
  /** The synthesized template the sandbox runs, and the local issuers standing in for its user pools. */
  readonly resolver: TemplateResolver;
  readonly issuers: ReadonlyMap<string, LocalJwtIssuer>;
  /** IAM as the template defines it: each function's credentials, and every decision taken. */
  readonly iam: SandboxIam;
  /** The driver app's server and the managed login it signs in with. */
  readonly driverApp: { readonly url: string; readonly login: LocalManagedLogin };
  /** Runs the TTL sweep now (it also runs every 5 s): deletes items whose TTL attribute has passed. */
  sweepExpired(nowSeconds?: number): Promise<number>;
  /** Waits until every event delivery and workflow started so far has finished. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

/** Account, region and stack name the sandbox runs as, unless a template file's manifest names others. */
export const SANDBOX_ENV: SandboxEnv = {
  region: 'eu-central-1',
  accountId: '000000000000',
  stackName: 'SecureDelivery',
};
const CREDENTIALS = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox-secret' };
const SHOP_BACKEND_CREDENTIALS = {
  accessKeyId: 'AKIASANDBOXSHOP00001',
  secretAccessKey: 'sandbox-shop-backend-secret',
};

/**
 * Starts the whole system on loopback from the synthesized template: dynalite, aws-ses-v2-local, the
 * EventBridge / Step Functions / Secrets Manager / KMS endpoint, the HTTP API with local JWT issuer, and the
 * real handlers. Handlers reach them through the standard AWS_ENDPOINT_URL_* variables.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const ports = options.ports ?? portsFromEnv();
  const progress = options.progress ?? (() => undefined);
  const log = new SandboxLog(options.write);
  const servers: Server[] = [];
  const stops: (() => Promise<void>)[] = [];
  try {
    await assertPortsFree(ports);
    let template: Template;
    let env = SANDBOX_ENV;
    if (typeof options.template === 'string') {
      progress(`reading ${options.template}`);
      ({ template, env } = loadTemplate(options.template, SANDBOX_ENV));
    } else if (options.template) {
      template = options.template;
    } else {
      progress('synthesizing the stack');
      template = synthesizeTemplate(SANDBOX_ENV, options.context);
    }

    // Reserve the front-door ports first so the resolver can name the real issuer and API URLs.
    progress('starting SES (aws-ses-v2-local)');
    // CommonJS default export: reached through `.default` under some loaders.
    type StartSes = (config: { host: string; port: number }) => Promise<Server>;
    const sesExport = sesModule.default as unknown as StartSes | { default: StartSes };
    const startSes = typeof sesExport === 'function' ? sesExport : sesExport.default;
    const sesServer = await startSes({ host: '127.0.0.1', port: ports.ses }).catch(
      (error: NodeJS.ErrnoException) => {
        throw error.code === 'EADDRINUSE'
          ? new Error(
              `Port ${ports.ses} for SES (SANDBOX_SES_PORT) is already in use: stop what holds it or set another port.`,
            )
          : error;
      },
    );
    servers.push(sesServer);
    const sesFront = guardSes(sesServer, new TemplateResolver(template, SANDBOX_ENV));
    const sesPort = (sesServer.address() as AddressInfo).port;

    // Listening before its handler exists: the issuer URLs the template's authorizers map to need the port.
    let awsHandler: RequestListener | undefined;
    const awsServer = createServer((request, response) => awsHandler?.(request, response));
    const awsPort = await listen(awsServer, ports.aws, 'AWS services (SANDBOX_AWS_PORT)');
    servers.push(awsServer);
    const awsBase = `http://127.0.0.1:${awsPort}`;
    // The app's URL stands for the distribution's in callback URLs and CORS origins.
    const driverAppServer = createDriverAppServer();
    const driverAppPort = await listen(
      driverAppServer.server,
      ports.driverApp ?? 0,
      'driver app (SANDBOX_DRIVER_APP_PORT)',
    );
    servers.push(driverAppServer.server);
    const driverAppUrl = `http://127.0.0.1:${driverAppPort}`;

    const resolver = new TemplateResolver(template, env);
    const iam = new SandboxIam(resolver, log);
    const issuers = new Map<string, LocalJwtIssuer>();
    for (const [poolId] of resolver.resourcesOfType('AWS::Cognito::UserPool')) {
      const clients = resolver
        .resourcesOfType('AWS::Cognito::UserPoolClient')
        .filter(
          ([, client]) => JSON.stringify(client.Properties?.UserPoolId) === JSON.stringify({ Ref: poolId }),
        )
        .map(([clientId]) => clientId);
      const trigger = resolver.resolve(resolver.resource(poolId).Properties?.LambdaConfig ?? {}) as {
        PreTokenGenerationConfig?: { LambdaArn: string; LambdaVersion: string };
      };
      const preTokenFunction = preTokenGenerationFunction(resolver, trigger.PreTokenGenerationConfig);
      const issuer = await LocalJwtIssuer.create({
        issuerUrl: `${awsBase}/cognito/${resolver.ref(poolId)}`,
        audience: clients[0] ?? poolId,
        userPoolId: resolver.ref(poolId),
        region: SANDBOX_ENV.region,
        // Bound late: the handlers load after the issuers exist, and no token is asked for before.
        // Cognito invokes the trigger as cognito-idp.amazonaws.com: the function's permission must allow this pool.
        ...(preTokenFunction
          ? {
              preTokenGeneration: async (event) => {
                const denial = await iam.authorizeService('cognito-idp.amazonaws.com', resolver.arn(poolId), {
                  action: 'lambda:InvokeFunction',
                  resource: resolver.arn(preTokenFunction),
                });
                if (denial)
                  throw new AwsJsonError(
                    'UnexpectedLambdaException',
                    'PreTokenGeneration invocation failed due to error AccessDeniedException.',
                  );
                return functions.invoke(preTokenFunction, event);
              },
            }
          : {}),
      });
      issuers.set(`https://cognito-idp.${env.region}.amazonaws.com/${resolver.ref(poolId)}`, issuer);
    }

    const managedLogins = managedLoginsOf(resolver, issuers, awsBase, driverAppUrl);
    const [login] = managedLogins;
    if (!login) throw new Error('The template has no managed-login domain for the driver app');

    progress('starting DynamoDB (dynalite) and its streams');
    const streams = new LocalDynamoDbStreams(resolver, log);
    const dynamodb = await startDynamoDb(resolver, ports.dynamodb, log, listen, undefined, streams);
    stops.push(dynamodb.stop);

    // Handlers reach DynamoDB and SES through fault proxies (pass-through unless a test injects a fault).
    // IAM is checked at each front a handler calls, against the role its credentials belong to.
    const faults = {
      dynamodb: new FaultProxy(
        dynamodb.endpoint,
        'json',
        'dynamodb',
        log,
        async (request, operation, body) => {
          if (!(await iam.signatureValid(request, body)))
            return jsonRefusal('InvalidSignatureException', SIGNATURE_MISMATCH);
          const requests = dynamodbAuthorization(operation, parseJson(body), resolver);
          return dynamodbRefusal(await iam.authorizeSigned(request.headers, requests));
        },
      ),
      ses: new FaultProxy(
        `http://127.0.0.1:${sesPort}`,
        'query',
        'ses',
        log,
        async (request, _operation, body) => {
          if (!(await iam.signatureValid(request, body)))
            return queryRefusal('SignatureDoesNotMatch', SIGNATURE_MISMATCH);
          const requests = sesAuthorization(new URLSearchParams(body.toString('utf8')), resolver);
          return sesRefusal(await iam.authorizeSigned(request.headers, requests));
        },
      ),
      // The AWS endpoint behind it checks the signature and IAM itself, so the signed Host must reach it.
      kms: new FaultProxy(awsBase, 'json', 'kms', log, undefined, true),
    };
    const dynamodbProxyPort = await listen(faults.dynamodb.server, 0, 'DynamoDB fault proxy');
    const sesProxyPort = await listen(faults.ses.server, 0, 'SES fault proxy');
    const kmsProxyPort = await listen(faults.kms.server, 0, 'KMS fault proxy');
    servers.push(faults.dynamodb.server, faults.ses.server, faults.kms.server);

    Object.assign(process.env, {
      AWS_REGION: env.region,
      AWS_DEFAULT_REGION: env.region,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${dynamodbProxyPort}`,
      AWS_ENDPOINT_URL_SES: `http://127.0.0.1:${sesProxyPort}`,
      AWS_ENDPOINT_URL_EVENTBRIDGE: awsBase,
      AWS_ENDPOINT_URL_SFN: awsBase,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: awsBase,
      AWS_ENDPOINT_URL_KMS: `http://127.0.0.1:${kmsProxyPort}`,
      AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: awsBase,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    delete process.env.AWS_PROFILE;

    // Asynchronous invocation (EventBridge -> Lambda): Lambda retries the function, then sends the event
    // to its on-failure destination as the function's role.
    const asyncInvokeConfigs = new Map<string, { retries: number; onFailure?: string }>();
    for (const [, config] of resolver.resourcesOfType('AWS::Lambda::EventInvokeConfig')) {
      const properties = resolver.resolve(config.Properties ?? {}) as {
        FunctionName: string;
        MaximumRetryAttempts?: number;
        DestinationConfig?: { OnFailure?: { Destination?: string } };
      };
      const functionId = resolver.logicalIdOf(properties.FunctionName);
      if (!functionId) continue;
      const onFailure = properties.DestinationConfig?.OnFailure?.Destination;
      asyncInvokeConfigs.set(functionId, {
        retries: Math.min(2, properties.MaximumRetryAttempts ?? 2),
        ...(onFailure ? { onFailure } : {}),
      });
    }
    const invokeAsync = async (
      functionId: string,
      input: unknown,
      config: { retries: number; onFailure?: string },
    ): Promise<void> => {
      let lastError = '';
      for (let attempt = 0; attempt <= config.retries; attempt++) {
        try {
          await functions.invoke(functionId, input);
          return;
        } catch (error) {
          lastError = error instanceof Error ? error.name : String(error);
          if (attempt < config.retries)
            await new Promise((resolve) =>
              setTimeout(resolve, (options.retryDelayMs ?? 200) * (attempt + 1)),
            );
        }
      }
      const roleId = iam.roleOf(functionId);
      const denial =
        config.onFailure && roleId
          ? await iam.authorizeRole(roleId, iam.sessionArn(roleId, functionId), {
              action: 'sqs:SendMessage',
              resource: config.onFailure,
            })
          : undefined;
      const outcome = !config.onFailure
        ? 'dropped (no on-failure destination)'
        : denial
          ? 'on-failure destination refused, dropped'
          : `sent to its on-failure destination ${config.onFailure.split(':').pop()}`;
      log.line('lambda', `${functionId} asynchronous invocation failed: ${lastError} -> ${outcome}`);
    };

    progress('loading the handlers');
    const functions = new LocalFunctions(resolver, secureDeliveryHandlers, log, (id) =>
      iam.credentialsOf(id),
    );
    let stepFunctions: LocalStepFunctions | undefined;
    const bus = new LocalEventBus(
      resolver,
      async (targetArn, input, { ruleName, roleArn }) => {
        // A target with a role is called as that role; otherwise as events.amazonaws.com, which the
        // target's resource policy must allow for this rule.
        const ruleArn = resolver.arn(ruleName);
        const action = targetArn.includes(':states:') ? 'states:StartExecution' : 'lambda:InvokeFunction';
        const roleId = roleArn ? resolver.logicalIdOf(roleArn) : undefined;
        const denial = roleId
          ? await iam.authorizeRole(roleId, iam.sessionArn(roleId, 'events'), { action, resource: targetArn })
          : await iam.authorizeService('events.amazonaws.com', ruleArn, { action, resource: targetArn });
        if (denial) throw new FunctionError('AccessDeniedException', denial.message);
        if (targetArn.includes(':states:') && stepFunctions) {
          stepFunctions.startExecution(targetArn, input);
          return;
        }
        const functionId = resolver.logicalIdOf(targetArn);
        if (!functionId) throw new Error(`Unknown target ${targetArn}`);
        const asyncConfig = asyncInvokeConfigs.get(functionId);
        if (!asyncConfig) {
          await functions.invoke(functionId, input);
          return;
        }
        await invokeAsync(functionId, input, asyncConfig);
      },
      log,
      options.retryDelayMs ?? 200,
      (ruleName, queueArn) => iam.deadLetterAllowed(resolver.arn(ruleName), queueArn),
    );
    stepFunctions = new LocalStepFunctions(
      resolver,
      {
        invokeFunction: async (logicalId, payload, machineId) => {
          const denial = await asStateMachine(machineId, {
            action: 'lambda:InvokeFunction',
            resource: resolver.arn(logicalId),
          });
          if (denial) throw new FunctionError('Lambda.AWSLambdaException', awsSdkCause(denial, 'AWSLambda'));
          return functions.invoke(logicalId, payload);
        },
        putEvents: async (entries, machineId) => {
          const detailed = entries.map((entry) => ({
            ...entry,
            Detail: typeof entry.Detail === 'string' ? entry.Detail : JSON.stringify(entry.Detail ?? {}),
          }));
          for (const request of AWS_JSON_AUTHORIZATION['AWSEvents.PutEvents']?.(
            { Entries: detailed },
            resolver,
          ) ?? []) {
            const denial = await asStateMachine(machineId, request);
            if (denial)
              throw new FunctionError(
                'EventBridge.AmazonEventBridgeException',
                awsSdkCause(denial, 'AmazonEventBridge'),
              );
          }
          return bus.putEvents(detailed);
        },
      },
      log,
      options.retryDelayMs,
    );
    // A pipe reads its stream, puts on the bus and dead-letters as its role, which IAM checks like any other.
    const asPipe = async (
      pipeName: string,
      roleArn: string,
      request: { action: string; resource: string; context?: Record<string, string | string[]> },
    ): Promise<Denial | undefined> => {
      const roleId = resolver.logicalIdOf(roleArn);
      if (!roleId) throw new Error(`Pipe ${pipeName}: role ${roleArn} is not in the template`);
      return iam.authorizeRole(roleId, iam.sessionArn(roleId, pipeName), request);
    };
    const pipes = new LocalPipes(
      resolver,
      streams,
      async (delivery) => {
        for (const request of AWS_JSON_AUTHORIZATION['AWSEvents.PutEvents']?.(
          { Entries: delivery.entries },
          resolver,
        ) ?? []) {
          const denial = await asPipe(delivery.pipeName, delivery.roleArn, request);
          // What EventBridge answers the pipe's PutEvents; Pipes records it as the batch's error.
          if (denial) throw Object.assign(new Error(denial.message), { name: 'AccessDeniedException' });
        }
        return bus.putEvents(delivery.entries);
      },
      log,
      options.retryDelayMs ?? 200,
      async (call) => (await asPipe(call.pipeName, call.roleArn, call))?.message,
    );
    const asStateMachine = async (
      machineId: string | undefined,
      request: { action: string; resource: string; context?: Record<string, string | string[]> },
    ): Promise<Denial | undefined> => {
      const roleId = machineId ? iam.roleOf(machineId) : undefined;
      if (!machineId || !roleId) return undefined;
      return iam.authorizeRole(roleId, iam.sessionArn(roleId, machineId), request);
    };
    await functions.warmAll();

    // SES publishes a message's events (mailbox simulator fates) to the bus its configuration set names.
    const sesEvents = new SesEventPublishing(resolver);
    const pendingSesEvents = new Set<Promise<void>>();
    sesFront.onAccepted((message) => {
      for (const { delayMs, event } of sesEvents.eventsFor(message)) {
        const publishing = new Promise<void>((resolve) => setTimeout(resolve, delayMs)).then(() => {
          bus.publishServiceEvent({
            Source: event.source,
            DetailType: event.detailType,
            Detail: JSON.stringify(event.detail),
            Resources: event.resources,
            EventBusName: event.eventBusName,
          });
        });
        pendingSesEvents.add(publishing);
        void publishing.finally(() => pendingSesEvents.delete(publishing));
      }
    });

    const sms = new LocalSms(resolver);
    awsHandler = createAwsRequestHandler({
      resolver,
      bus,
      stepFunctions,
      sms,
      log,
      authorize: async (request, target, body, raw) => {
        if (!(await iam.signatureValid(request, raw)))
          throw new AwsJsonError('InvalidSignatureException', SIGNATURE_MISMATCH);
        const requests = AWS_JSON_AUTHORIZATION[target]?.(body, resolver) ?? [
          { action: `${target.split('.')[0]}:${target.split('.').pop()}`, resource: '*' },
        ];
        const denial = await iam.authorizeSigned(request.headers, requests);
        if (denial) throw new AwsJsonError('AccessDeniedException', denial.message);
      },
      fallback: async (request, response, body) => {
        const url = new URL(request.url ?? '/', awsBase);
        if (url.pathname === '/_sandbox/events') {
          const { events } = bus;
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ events: events.map(({ busName: _bus, ...event }) => event) }));
          return true;
        }
        if (url.pathname === '/_sandbox/events/redeliver' && request.method === 'POST') {
          // Sandbox-only: EventBridge's at-least-once delivery made visible (a duplicate, or a late copy).
          let eventId = '';
          try {
            eventId = String(JSON.parse(body.toString('utf8') || '{}').id ?? '');
          } catch {
            // answered below as not found
          }
          const found = bus.redeliver(eventId);
          sendJsonAnswer(
            response,
            found ? 202 : 404,
            found ? { redelivered: eventId } : { message: 'No such event' },
          );
          return true;
        }
        if (url.pathname === '/_sandbox/schedules/run' && request.method === 'POST') {
          // Sandbox-only: fires the scheduled rules now instead of at their next period.
          const fired = await bus.fireScheduled(url.searchParams.get('rule') ?? undefined);
          sendJsonAnswer(response, 200, { fired });
          return true;
        }
        if (url.pathname === '/_sandbox/sms') {
          sendJsonAnswer(response, 200, sms.inbox());
          return true;
        }
        if (url.pathname === '/_sandbox/sms/page') {
          const page = sms.inboxPage(`http://127.0.0.1:${sesPort}/`);
          response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          response.end(page);
          return true;
        }
        if (url.pathname === '/_sandbox/executions') {
          const executions = [...(stepFunctions?.executions.values() ?? [])].map(executionView);
          sendJsonAnswer(response, 200, { executions });
          return true;
        }
        for (const managedLogin of managedLogins) {
          if (await managedLogin.handle(request, response, body)) return true;
        }
        if (!url.pathname.startsWith('/cognito/')) return false;
        const path = url.pathname === '/cognito/token' ? '/token' : url.pathname;
        for (const issuer of issuers.values()) {
          const answer = await handleIssuerRequest(
            issuer,
            request.method ?? 'GET',
            path,
            body.toString('utf8'),
          );
          if (answer) {
            sendJsonAnswer(response, answer.status, answer.body);
            return true;
          }
        }
        return false;
      },
    });

    // Scheduled rules fire at their period, as EventBridge fires them (the timers never hold the process).
    const timers = bus.scheduled.map((rule) => {
      const timer = setInterval(() => void bus.fireScheduled(rule.name), rule.periodMs);
      timer.unref();
      return timer;
    });
    stops.push(async () => {
      for (const timer of timers) clearInterval(timer);
    });

    progress('starting the HTTP API');
    const apiServer = createHttpApiServer({
      resolver,
      invoke: async (id, event) => {
        // API Gateway calls the function as apigateway.amazonaws.com; its Lambda permission must allow the route.
        const context = (event as { requestContext?: { apiId?: string; stage?: string; routeKey?: string } })
          .requestContext;
        const [method, path] = String(context?.routeKey ?? 'ANY /').split(' ');
        const sourceArn = `arn:aws:execute-api:${env.region}:${env.accountId}:${context?.apiId}/${context?.stage}/${method}${path}`;
        const denial = await iam.authorizeService('apigateway.amazonaws.com', sourceArn, {
          action: 'lambda:InvokeFunction',
          resource: resolver.arn(id),
        });
        if (denial) throw new FunctionError('AccessDeniedException', denial.message);
        return functions.invoke(id, event);
      },
      issuers,
      iam: SHOP_BACKEND_CREDENTIALS,
      log,
      cors: apiCorsOf(resolver, driverAppUrl),
    });
    const apiPort = await listen(apiServer, ports.api, 'HTTP API (SANDBOX_API_PORT)');
    servers.push(apiServer);
    driverAppServer.configure(driverAppConfigOf(login, `http://127.0.0.1:${apiPort}`));

    const [busId] = resolver.resourcesOfType('AWS::Events::EventBus').map(([id]) => id);
    const [ruleSource] = resolver
      .resourcesOfType('AWS::Events::Rule')
      .map(([, rule]) => (rule.Properties?.EventPattern as { source?: string[] } | undefined)?.source?.[0])
      .filter(Boolean);
    const endpoints: SandboxEndpoints = {
      region: env.region,
      eventBusName: busId ? resolver.ref(busId) : 'default',
      eventSource: ruleSource ?? 'carrier.dispatch',
      eventsEndpoint: awsBase,
      apiUrl: `http://127.0.0.1:${apiPort}`,
      sesEndpoint: `http://127.0.0.1:${sesPort}`,
      dynamodbEndpoint: dynamodb.endpoint,
      driverTokenUrl: `${awsBase}/cognito/token`,
      driverAppUrl,
      stepFunctionsEndpoint: awsBase,
      secretsManagerEndpoint: awsBase,
      kmsEndpoint: awsBase,
      inspectUrl: `${awsBase}/_sandbox/events`,
      inspectExecutionsUrl: `${awsBase}/_sandbox/executions`,
      smsEndpoint: awsBase,
      smsInboxUrl: `${awsBase}/_sandbox/sms`,
      credentials: CREDENTIALS,
      iam: SHOP_BACKEND_CREDENTIALS,
    };
    if (options.endpointsDir) {
      mkdirSync(join(options.endpointsDir, '.sandbox'), { recursive: true });
      writeFileSync(
        join(options.endpointsDir, '.sandbox', 'endpoints.json'),
        `${JSON.stringify(endpoints, null, 2)}\n`,
      );
    }
    const settled = async () => {
      for (let round = 0; round < 50; round++) {
        while (pendingSesEvents.size > 0) await Promise.allSettled([...pendingSesEvents]);
        await pipes.settled();
        await bus.settled();
        await stepFunctions?.settled();
        await pipes.settled();
        const before = bus.events.length;
        await new Promise((resolve) => setTimeout(resolve, 20));
        if (bus.events.length === before && pendingSesEvents.size === 0) return;
      }
    };
    return {
      endpoints,
      log,
      bus,
      stepFunctions,
      faults,
      functions,
      streams,
      pipes,
      sms,
      resolver,
      issuers,
      iam,
      driverApp: { url: driverAppUrl, login },
      sweepExpired: (nowSeconds) => dynamodb.sweepExpired(nowSeconds),
      settled,
      stop: async () => {
        await settled().catch(() => undefined);
        for (const server of servers.reverse()) await close(server);
        for (const stop of stops) await stop();
      },
    };
  } catch (error) {
    for (const server of servers) await close(server);
    for (const stop of stops) await stop().catch(() => undefined);
    throw error;
  }
}

function parseJson(body: Buffer): Record<string, unknown> {
  try {
    return JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** A DynamoDB (AWS JSON 1.0) error answer: 400 with `com.amazon.coral.service#<code>`. */
function jsonRefusal(code: string, message: string): ProxyAnswer {
  return {
    status: 400,
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': code },
    body: JSON.stringify({ __type: `com.amazon.coral.service#${code}`, Message: message }),
  };
}

/** DynamoDB's answer to a refused request: 400 `AccessDeniedException`. */
function dynamodbRefusal(denial: Denial | undefined): ProxyAnswer | undefined {
  return denial ? jsonRefusal('AccessDeniedException', denial.message) : undefined;
}

/** An SES v1 (query protocol) error answer: 403 with the code in XML. */
function queryRefusal(code: string, message: string): ProxyAnswer {
  const escaped = message.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return {
    status: 403,
    headers: { 'content-type': 'text/xml' },
    body: `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${escaped}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  };
}

/** SES v1's answer to a refused request: 403 `AccessDenied`. */
function sesRefusal(denial: Denial | undefined): ProxyAnswer | undefined {
  if (!denial) return undefined;
  return queryRefusal(
    'AccessDenied',
    `User \`${denial.principal}' is not authorized to perform \`${denial.action}' on resource \`${denial.resource}'`,
  );
}

/** The cause Step Functions reports when a service integration's call is refused. */
function awsSdkCause(denial: Denial, service: string): string {
  return `${denial.message} (Service: ${service}; Status Code: 403; Error Code: AccessDeniedException)`;
}

function sendJsonAnswer(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** Checks every fixed port before anything starts, so a clash is reported by name and changes nothing. */
async function assertPortsFree(ports: SandboxPorts): Promise<void> {
  const names: [keyof SandboxPorts, string][] = [
    ['api', 'HTTP API (SANDBOX_API_PORT)'],
    ['aws', 'AWS services (SANDBOX_AWS_PORT)'],
    ['dynamodb', 'DynamoDB (SANDBOX_DYNAMODB_PORT)'],
    ['ses', 'SES (SANDBOX_SES_PORT)'],
    ['driverApp', 'driver app (SANDBOX_DRIVER_APP_PORT)'],
  ];
  for (const [key, name] of names) {
    if (!ports[key]) continue;
    const probe = createServer();
    await listen(probe, ports[key] ?? 0, name);
    await close(probe);
  }
}

export { listen, REPO_ROOT };

/** The function of a pool's V2 pre-token-generation trigger; a V1 trigger is refused (the sandbox has none). */
function preTokenGenerationFunction(
  resolver: TemplateResolver,
  config: { LambdaArn: string; LambdaVersion: string } | undefined,
): string | undefined {
  if (!config) return undefined;
  if (config.LambdaVersion !== 'V2_0') {
    throw new Error(`Pre-token-generation trigger version ${config.LambdaVersion} is not emulated (V2_0 is)`);
  }
  const functionId = resolver.logicalIdOf(String(config.LambdaArn));
  if (!functionId) throw new Error('The pre-token-generation trigger names no template function');
  return functionId;
}
