/**
 * Starts every emulator on loopback from one CloudFormation template: dynalite behind its streams and IAM
 * fronts, aws-ses-v2-local behind SES's checks, the AWS JSON endpoint (EventBridge, Step Functions, Secrets
 * Manager, KMS, SMS, Cognito issuers and managed login), the HTTP API, and the template's functions run
 * in-process from the modules a handler resolver names. Nothing here knows which product the template is.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as sesModule from 'aws-ses-v2-local';
import { AwsJsonError } from './aws-protocol.ts';
import { createAwsRequestHandler, executionView } from './aws-server.ts';
import { startDynamoDb } from './dynamodb.ts';
import { LocalDynamoDbStreams } from './dynamodb-streams.ts';
import { LocalEventBus } from './eventbridge/bus.ts';
import { FaultProxy, type ProxyAnswer } from './fault-proxy.ts';
import { FunctionError, type HandlerResolver, LocalFunctions } from './functions.ts';
import { apiCorsOf, managedLoginsOf } from './http-api/from-template.ts';
import { handleIssuerRequest, LocalJwtIssuer, type SignInSubject } from './http-api/jwt-issuer.ts';
import type { LocalManagedLogin } from './http-api/managed-login.ts';
import type { IamCredentials } from './http-api/sigv4.ts';
import { createHttpApiServer } from './http-api-server.ts';
import { type Denial, SandboxIam, SIGNATURE_MISMATCH } from './iam.ts';
import { AWS_JSON_AUTHORIZATION, dynamodbAuthorization, sesAuthorization } from './iam-actions.ts';
import { SandboxLog } from './log.ts';
import { close, listen } from './net.ts';
import { LocalPipes } from './pipes.ts';
import { guardSes } from './ses.ts';
import { SesEventPublishing } from './ses-simulator.ts';
import { LocalSms } from './sms.ts';
import { LocalStepFunctions } from './stepfunctions.ts';
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
  /** IAM as the template defines it: each function's credentials, and every decision taken. */
  readonly iam: SandboxIam;
  /** Runs the TTL sweep now (it also runs every 5 s): deletes items whose TTL attribute has passed. */
  sweepExpired(nowSeconds?: number): Promise<number>;
  /** Waits until every event delivery and workflow started so far has finished. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

const CREDENTIALS = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox-secret' };

/**
 * Starts the emulators on loopback from the template, with its functions loaded through `handlers`.
 * Functions reach the emulators through the standard AWS_ENDPOINT_URL_* variables (set in this process).
 */
export async function startEmulators(options: EmulatorOptions): Promise<Emulators> {
  const { ports, template, env } = options;
  const progress = options.progress ?? (() => undefined);
  const log = new SandboxLog(options.write);
  const servers: Server[] = [];
  const stops: (() => Promise<void>)[] = [];
  try {
    const resolver = new TemplateResolver(template, env);
    // Reserve the front-door ports first so the issuer and API URLs below can name the real ports.
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
    const sesFront = guardSes(sesServer, resolver);
    const sesPort = (sesServer.address() as AddressInfo).port;

    // Listening before its handler exists: the issuer URLs the template's authorizers map to need the port.
    let awsHandler: RequestListener | undefined;
    const awsServer = createServer((request, response) => awsHandler?.(request, response));
    const awsPort = await listen(awsServer, ports.aws, 'AWS services (SANDBOX_AWS_PORT)');
    servers.push(awsServer);
    const awsBase = `http://127.0.0.1:${awsPort}`;

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
        region: env.region,
        ...(options.signInSubject ? { signInSubject: options.signInSubject } : {}),
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

    // The app's URL stands for the distribution's in callback URLs and CORS origins.
    const managedLogins = managedLoginsOf(resolver, issuers, awsBase, options.appUrl);

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
    const functions = new LocalFunctions(resolver, options.handlers, log, (id) => iam.credentialsOf(id));
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
      options.eventLogFields,
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
          sendJsonAnswer(response, 200, { events: bus.events.map(({ busName: _bus, ...event }) => event) });
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
      iam: options.httpApiCaller.credentials,
      iamUserName: options.httpApiCaller.userName,
      log,
      cors: apiCorsOf(resolver, options.appUrl),
    });
    const apiPort = await listen(apiServer, ports.api, 'HTTP API (SANDBOX_API_PORT)');
    servers.push(apiServer);

    const endpoints: EmulatorEndpoints = {
      region: env.region,
      awsEndpoint: awsBase,
      apiUrl: `http://127.0.0.1:${apiPort}`,
      sesEndpoint: `http://127.0.0.1:${sesPort}`,
      dynamodbEndpoint: dynamodb.endpoint,
      credentials: CREDENTIALS,
    };
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
      managedLogins,
      iam,
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
