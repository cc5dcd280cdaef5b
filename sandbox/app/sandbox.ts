/**
 * Secure Delivery's sandbox: the generic emulators (`sandbox/emulators`) running this product's stack with its
 * handlers, sign-in and caller settings, plus the driver app and `.sandbox/endpoints.json`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { type EmulatorPorts, type Emulators, startEmulators } from '../emulators/emulators.ts';
import type { LocalManagedLogin } from '../emulators/http-api/managed-login.ts';
import type { LocalOidcProvider } from '../emulators/http-api/oidc-provider.ts';
import { close, listen } from '../emulators/net.ts';
import { loadTemplate, type SandboxEnv, type Template } from '../emulators/template.ts';
import { createDriverAppServer, driverAppConfigOf } from './driver-app-server.ts';
import { secureDeliveryHandlers } from './handlers.ts';
import {
  DRIVER_SIGN_IN,
  EVENT_LOG_FIELDS,
  SANDBOX_DRIVER_PASSWORD,
  SANDBOX_OIDC_PROVIDER,
} from './settings.ts';
import { type SandboxDrivers, synthesizeTemplate } from './synth.ts';

/** Ports the sandbox listens on: the emulators' and the driver app's; 0 picks a free one (tests). */
export interface SandboxPorts extends EmulatorPorts {
  /** The driver app; free port when omitted. */
  readonly driverApp?: number;
}

/** Default ports, each overridable by its environment variable. */
export const DEFAULT_PORTS: SandboxPorts = {
  api: 4000,
  aws: 4010,
  driverApp: 4020,
};

/** Reads port overrides from SANDBOX_API_PORT, SANDBOX_AWS_PORT and SANDBOX_DRIVER_APP_PORT. */
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
    driverApp: read('SANDBOX_DRIVER_APP_PORT', DEFAULT_PORTS.driverApp ?? 0),
  };
}

/** The contract `.sandbox/endpoints.json` holds. */
export interface SandboxEndpoints {
  readonly region: string;
  readonly eventBusName: string;
  readonly eventSource: string;
  /** The one AWS endpoint every emulated service answers on (`--endpoint-url` of the AWS CLI). */
  readonly awsEndpoint: string;
  readonly eventsEndpoint: string;
  readonly apiUrl: string;
  readonly sesEndpoint: string;
  readonly dynamodbEndpoint: string;
  /** Sandbox-only: a page with every email and SMS sent, newest first, codes in plain text. */
  readonly inboxUrl: string;
  /** `POST {"driverId":"D-1"}`: a driver's access token carrying `D-1` in the configured driver-id claim. */
  readonly driverTokenUrl: string;
  /** Who the drivers sign in with: the pool's managed login (`cognito`) or the local OIDC provider (`oidc`). */
  readonly drivers: SandboxDrivers;
  /** The drivers' pool and the handheld's app client (SRP sign-in), as stack outputs name them; Cognito only. */
  readonly driverUserPoolId?: string;
  readonly driverClientId?: string;
  /** The drivers' web app (sign-in through the local managed login or OIDC provider). */
  readonly driverAppUrl: string;
  readonly stepFunctionsEndpoint: string;
  readonly secretsManagerEndpoint: string;
  readonly kmsEndpoint: string;
  readonly inspectUrl: string;
  /** Sandbox-only (not an AWS API): every workflow execution with its input, status, output or error. */
  readonly inspectExecutionsUrl: string;
  /** End User Messaging SMS (`pinpoint-sms-voice-v2`) endpoint. */
  readonly smsEndpoint: string;
  /** Sandbox-only: every SMS sent, a JSON list of `{ destinationPhoneNumber, messageBody, messageId, sentAt }`. */
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
  /**
   * The region and account a template file was synthesized for, when no `manifest.json` beside it says
   * (they win over the manifest's).
   */
  readonly templateEnv?: { readonly region?: string; readonly accountId?: string };
  /**
   * Who the drivers are: `cognito` (the stack's pool and managed login) or `oidc` (the stack synthesized
   * with `DriverIdentity.oidc`, a local generic OIDC provider standing in for its issuer).
   * @default 'cognito'
   */
  readonly drivers?: SandboxDrivers;
}

/** A running sandbox: the emulators, and the driver app served as CloudFront serves it. */
export interface Sandbox extends Omit<Emulators, 'endpoints'> {
  readonly endpoints: SandboxEndpoints;
  /** The driver app's server and what it signs in with: the pool's managed login, or the OIDC provider. */
  readonly driverApp: { readonly url: string; readonly login: LocalManagedLogin | LocalOidcProvider };
}

/** Account, region and stack name the sandbox runs as, unless a template file's manifest names others. */
export const SANDBOX_ENV: SandboxEnv = {
  region: 'eu-central-1',
  accountId: '000000000000',
  stackName: 'SecureDelivery',
};
/** The shop backend's credentials: it signs the recipient routes (SigV4, service execute-api) with them. */
const SHOP_BACKEND_CREDENTIALS = {
  accessKeyId: 'AKIASANDBOXSHOP00001',
  secretAccessKey: 'sandbox-shop-backend-secret',
};

/**
 * Starts the whole system on loopback from the synthesized template: the emulators with the real handlers,
 * and the driver app. Handlers reach the emulators through the standard AWS_ENDPOINT_URL_* variables.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const ports = options.ports ?? portsFromEnv();
  const progress = options.progress ?? (() => undefined);
  const drivers = options.drivers ?? 'cognito';
  await assertPortsFree(ports);
  let template: Template;
  let env = SANDBOX_ENV;
  if (typeof options.template === 'string') {
    progress(`reading ${options.template}`);
    ({ template, env } = loadTemplate(options.template, SANDBOX_ENV, options.templateEnv));
  } else if (options.template) {
    template = options.template;
  } else {
    progress('synthesizing the stack');
    template = synthesizeTemplate(SANDBOX_ENV, options.context, drivers);
  }

  // Listening first: the app's URL stands for the distribution's in callback URLs and CORS origins.
  const driverAppServer = createDriverAppServer();
  const driverAppPort = await listen(
    driverAppServer.server,
    ports.driverApp ?? 0,
    'driver app (SANDBOX_DRIVER_APP_PORT)',
  );
  const driverAppUrl = `http://127.0.0.1:${driverAppPort}`;
  let emulators: Emulators | undefined;
  try {
    emulators = await startEmulators({
      template,
      env,
      handlers: secureDeliveryHandlers,
      ports,
      ...(options.write ? { write: options.write } : {}),
      progress,
      ...(options.retryDelayMs !== undefined ? { retryDelayMs: options.retryDelayMs } : {}),
      appUrl: driverAppUrl,
      httpApiCaller: { userName: 'shop-backend', credentials: SHOP_BACKEND_CREDENTIALS },
      signInSubject: DRIVER_SIGN_IN,
      eventLogFields: EVENT_LOG_FIELDS,
      userPassword: SANDBOX_DRIVER_PASSWORD,
      ...(drivers === 'oidc' ? { oidcProviders: [SANDBOX_OIDC_PROVIDER] } : {}),
    });
    const { resolver } = emulators;
    const { awsEndpoint: awsBase, apiUrl } = emulators.endpoints;
    const provider = emulators.oidcProviders.get(SANDBOX_OIDC_PROVIDER.issuer);
    const login = drivers === 'oidc' ? provider : emulators.managedLogins[0];
    if (!login)
      throw new Error(
        `The template has no ${drivers === 'oidc' ? 'OIDC' : 'managed-login'} sign-in for the driver app`,
      );
    driverAppServer.configure(driverAppConfigOf(login, apiUrl));

    const [busId] = resolver.resourcesOfType('AWS::Events::EventBus').map(([id]) => id);
    const [ruleSource] = resolver
      .resourcesOfType('AWS::Events::Rule')
      .map(([, rule]) => (rule.Properties?.EventPattern as { source?: string[] } | undefined)?.source?.[0])
      .filter(Boolean);
    const endpoints: SandboxEndpoints = {
      region: env.region,
      eventBusName: busId ? resolver.ref(busId) : 'default',
      eventSource: ruleSource ?? 'carrier.dispatch',
      awsEndpoint: awsBase,
      eventsEndpoint: awsBase,
      apiUrl,
      sesEndpoint: awsBase,
      dynamodbEndpoint: awsBase,
      inboxUrl: `${awsBase}/_sandbox/inbox`,
      driverTokenUrl: provider ? `${provider.issuerUrl}/_sandbox/token` : `${awsBase}/cognito/token`,
      drivers,
      ...handheldSignInOf(resolver),
      driverAppUrl,
      stepFunctionsEndpoint: awsBase,
      secretsManagerEndpoint: awsBase,
      kmsEndpoint: awsBase,
      inspectUrl: `${awsBase}/_sandbox/events`,
      inspectExecutionsUrl: `${awsBase}/_sandbox/executions`,
      smsEndpoint: awsBase,
      smsInboxUrl: `${awsBase}/_sandbox/sms`,
      credentials: emulators.endpoints.credentials,
      iam: SHOP_BACKEND_CREDENTIALS,
    };
    if (options.endpointsDir) {
      mkdirSync(join(options.endpointsDir, '.sandbox'), { recursive: true });
      writeFileSync(
        join(options.endpointsDir, '.sandbox', 'endpoints.json'),
        `${JSON.stringify(endpoints, null, 2)}\n`,
      );
    }
    const running = emulators;
    return {
      ...running,
      endpoints,
      driverApp: { url: driverAppUrl, login },
      stop: async () => {
        await running.stop();
        await close(driverAppServer.server);
      },
    };
  } catch (error) {
    await emulators?.stop().catch(() => undefined);
    await close(driverAppServer.server);
    throw error;
  }
}

/** Checks every fixed port before anything starts, so a clash is reported by name and changes nothing. */
async function assertPortsFree(ports: SandboxPorts): Promise<void> {
  const names: [keyof SandboxPorts, string][] = [
    ['api', 'HTTP API (SANDBOX_API_PORT)'],
    ['aws', 'AWS services (SANDBOX_AWS_PORT)'],
    ['driverApp', 'driver app (SANDBOX_DRIVER_APP_PORT)'],
  ];
  for (const [key, name] of names) {
    if (!ports[key]) continue;
    const probe = createServer();
    await listen(probe, ports[key] ?? 0, name);
    await close(probe);
  }
}

/** The pool and the app client whose `ExplicitAuthFlows` allow SRP (the handheld's), when the template has one. */
function handheldSignInOf(
  resolver: Emulators['resolver'],
): Pick<SandboxEndpoints, 'driverUserPoolId' | 'driverClientId'> {
  const handheld = resolver
    .resourcesOfType('AWS::Cognito::UserPoolClient')
    .find(([, client]) =>
      JSON.stringify(client.Properties?.ExplicitAuthFlows ?? []).includes('ALLOW_USER_SRP_AUTH'),
    );
  if (!handheld) return {};
  const poolId = (resolver.resolve(handheld[1].Properties ?? {}) as { UserPoolId: string }).UserPoolId;
  return { driverUserPoolId: poolId, driverClientId: resolver.ref(handheld[0]) };
}
