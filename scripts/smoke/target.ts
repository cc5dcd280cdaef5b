/**
 * What the smoke test runs against: a deployed stack, found from its CloudFormation outputs and called with
 * the operator's own AWS credentials, or the running sandbox, found from `.sandbox/endpoints.json` (read as
 * data; nothing of the sandbox's code is imported, so the same SDK calls and HTTPS requests run in both).
 */
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SignatureV4 } from '@smithy/signature-v4';
import { CognitoSmokeDrivers } from './cognito-driver.ts';
import type { SmokeDrivers, SmokeTarget } from './steps.ts';

/** A driver the operator names (`--driver-id`, `--driver-token-file`): an OIDC deployment's, or one of their own. */
export class NamedDriver implements SmokeDrivers {
  readonly description = 'named by --driver-id, token from --driver-token-file, kept';

  constructor(
    private readonly driverId: string,
    private readonly accessToken: string,
  ) {}

  async create(): Promise<{ driverId: string; accessToken: string }> {
    return { driverId: this.driverId, accessToken: this.accessToken };
  }

  async remove(): Promise<string> {
    return `driver ${this.driverId} kept (named by --driver-id)`;
  }
}

/**
 * The sandbox's driver: its token URL signs in any driver id (the sandbox's stand-in for SRP and TOTP, whose
 * pool creates the user on first sign-in), so there is nothing to create or remove through Cognito's API.
 */
class SandboxTokenDrivers implements SmokeDrivers {
  readonly description = 'signed in at the sandbox’s driverTokenUrl (its stand-in for SRP and TOTP)';

  constructor(private readonly tokenUrl: string) {}

  async create(runId: string): Promise<{ driverId: string; accessToken: string }> {
    const driverId = `SMOKE-${runId}`.toUpperCase();
    const response = await fetch(this.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ driverId }),
    });
    if (!response.ok) throw new Error(`driverTokenUrl answered ${response.status}`);
    return { driverId, accessToken: ((await response.json()) as { token: string }).token };
  }

  async remove(): Promise<string> {
    return 'no driver to remove (the sandbox signs in any driver id)';
  }
}

/** SHA-256 (keyed: HMAC) for Smithy's signer, from node:crypto. */
class Sha256 {
  private readonly hash;

  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    const key =
      secret === undefined
        ? undefined
        : typeof secret === 'string'
          ? secret
          : Buffer.from(secret as ArrayBuffer);
    this.hash = key === undefined ? createHash('sha256') : createHmac('sha256', key);
  }

  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? data : Buffer.from(data as ArrayBuffer));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

/** Credentials Smithy's signer takes: keys, or a provider of them. */
type SignerCredentials = ConstructorParameters<typeof SignatureV4>[0]['credentials'];

const executeApiSigner = (region: string, credentials: SignerCredentials) =>
  new SignatureV4({ service: 'execute-api', region, credentials, sha256: Sha256 });

/** The running sandbox, from its endpoints file. */
export function sandboxTarget(
  endpointsFile: string,
  options: { readonly timeoutMs: number; readonly driver?: SmokeDrivers },
): SmokeTarget {
  let endpoints: Record<string, unknown>;
  try {
    endpoints = JSON.parse(readFileSync(endpointsFile, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`cannot read ${endpointsFile} (is the sandbox running? npm start): ${String(error)}`);
  }
  const text = (key: string) => {
    const value = endpoints[key];
    if (typeof value !== 'string') throw new Error(`${endpointsFile} has no ${key}`);
    return value;
  };
  const keys = (key: string) => endpoints[key] as { accessKeyId: string; secretAccessKey: string };
  const region = text('region');
  return {
    description: `the sandbox (${endpointsFile}: API ${text('apiUrl')})`,
    apiUrl: text('apiUrl'),
    eventBusName: text('eventBusName'),
    eventSource: text('eventSource'),
    events: new EventBridgeClient({
      endpoint: text('eventsEndpoint'),
      region,
      credentials: keys('credentials'),
    }),
    // The shop backend's keys: the IAM user the sandbox lets sign the recipient routes.
    recipientSigner: executeApiSigner(region, keys('iam')),
    drivers: options.driver ?? new SandboxTokenDrivers(text('driverTokenUrl')),
    timeoutMs: options.timeoutMs,
  };
}

/** A deployed stack, from its outputs, with the operator's credentials (the SDK's default chain). */
export async function stackTarget(
  stackName: string,
  options: { readonly region?: string; readonly timeoutMs: number; readonly driver?: SmokeDrivers },
): Promise<SmokeTarget> {
  const clientConfig = options.region ? { region: options.region } : {};
  const cloudFormation = new CloudFormationClient(clientConfig);
  const [stack] =
    (await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks ?? [];
  const outputs = new Map((stack?.Outputs ?? []).map((output) => [output.OutputKey, output.OutputValue]));
  const output = (key: string) => {
    const value = outputs.get(key);
    if (!value) throw new Error(`stack ${stackName} has no output ${key}`);
    return value;
  };
  const region = await cloudFormation.config.region();
  const events = new EventBridgeClient({ region });
  const userPoolId = outputs.get('DriverUserPoolId');
  const clientId = outputs.get('DriverClientId');
  let drivers = options.driver;
  if (!drivers) {
    if (!userPoolId || !clientId)
      throw new Error(
        `stack ${stackName} has no Cognito driver pool (OIDC drivers): name a driver with --driver-id and --driver-token-file`,
      );
    drivers = new CognitoSmokeDrivers(new CognitoIdentityProviderClient({ region }), {
      userPoolId,
      clientId,
      driverIdAttribute: 'custom:driver_id',
    });
  }
  return {
    description: `stack ${stackName} in ${region} (API ${output('VerifyApiUrl')})`,
    apiUrl: output('VerifyApiUrl'),
    eventBusName: output('EventBusName'),
    eventSource: output('EventSource'),
    events,
    recipientSigner: executeApiSigner(region, events.config.credentials),
    drivers,
    timeoutMs: options.timeoutMs,
  };
}
