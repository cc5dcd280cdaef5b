import { routePath, VERIFY_PATH } from '../../lambdas/contracts/http/paths.ts';
import { REPO_ROOT } from './paths.ts';
import type { SandboxDrivers } from './synth.ts';

// Set before the AWS SDK loads: Node 20 is supported here, the SDK's upgrade notice is noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { startSandbox } = await import('./sandbox.ts');
const { DRIVER_SIGN_IN } = await import('./settings.ts');

/** The value of `--<name> <value>` / `--<name>=<value>`; undefined when absent. */
function argument(argv: readonly string[], name: string): string | undefined {
  const index = argv.findIndex((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`));
  if (index === -1) return undefined;
  const arg = argv[index] as string;
  const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[index + 1];
  if (!value || value.startsWith('--')) throw new Error(`--${name} needs a value`);
  return value;
}

/**
 * `--template <path>` (else SANDBOX_TEMPLATE): a synthesized template to run; `--region` and `--account`
 * name what it was synthesized for when no `manifest.json` beside it says so.
 */
function templateArguments(argv: readonly string[]): {
  readonly template?: string;
  readonly templateEnv?: { readonly region?: string; readonly accountId?: string };
} {
  const template = argument(argv, 'template') ?? (process.env.SANDBOX_TEMPLATE || undefined);
  const region = argument(argv, 'region');
  const accountId = argument(argv, 'account');
  if ((region || accountId) && !template)
    throw new Error('--region and --account name what a --template was synthesized for: give --template too');
  return {
    ...(template ? { template } : {}),
    ...(region || accountId
      ? { templateEnv: { ...(region ? { region } : {}), ...(accountId ? { accountId } : {}) } }
      : {}),
  };
}

/** `--drivers cognito|oidc` / `--drivers=…`, else SANDBOX_DRIVERS, else `cognito`. */
function driversArgument(argv: readonly string[]): SandboxDrivers {
  const value = argument(argv, 'drivers') ?? (process.env.SANDBOX_DRIVERS || 'cognito');
  if (value !== 'cognito' && value !== 'oidc')
    throw new Error(`--drivers must be cognito or oidc, got ${value}`);
  return value;
}

/**
 * `npm start [-- --template <path> [--region R --account A]] [-- --drivers oidc]`: the whole system on
 * loopback until Ctrl-C.
 */
async function main(): Promise<void> {
  const templateOptions = templateArguments(process.argv.slice(2));
  const drivers = driversArgument(process.argv.slice(2));
  const started = Date.now();
  const progress = (message: string) => process.stdout.write(`  … ${message}\n`);
  process.stdout.write('Secure Delivery sandbox: starting\n');
  const sandbox = await startSandbox({ progress, endpointsDir: REPO_ROOT, drivers, ...templateOptions });
  const { endpoints: e } = sandbox;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const driver = DRIVER_SIGN_IN.example;
  process.stdout.write(`
┌ Secure Delivery sandbox ready in ${seconds} s ─────────────────────────────
│ AWS endpoint           ${e.awsEndpoint}   every service: DynamoDB, SES, EventBridge, Step Functions, KMS, …
│                        bus ${e.eventBusName}, source ${e.eventSource}, region ${e.region}
│ HTTP API (drivers)     ${e.apiUrl}${VERIFY_PATH}
│ Driver app             ${e.driverAppUrl}   (sign-in suggests ${driver})
│ Driver sign-in         ${drivers === 'oidc' ? `OIDC provider ${sandbox.driverApp.login.endpoint('authorize').replace(/\/authorize$/, '')}` : 'Cognito managed login'}
│ Inbox (email, SMS)     ${e.inboxUrl}
│ Events on the bus      ${e.inspectUrl}
│ Workflow executions    ${e.inspectExecutionsUrl}
│ Endpoints file         .sandbox/endpoints.json
│
│ Try it:   npm run demo          (in a second terminal)
│ Ship one: npm run ship          then the inbox for the code, and the driver app it prints
│ AWS CLI:  AWS_ACCESS_KEY_ID=${e.credentials.accessKeyId} AWS_SECRET_ACCESS_KEY=${e.credentials.secretAccessKey} aws --region ${e.region} --endpoint-url ${e.awsEndpoint} dynamodb list-tables
│ Token:    curl -s -X POST ${e.driverTokenUrl} -d '{"driverId":"${driver}"}'
│ Verify:   curl -s -X POST ${e.apiUrl}${routePath(VERIFY_PATH, { parcelId: 'P-1' })} -H "authorization: Bearer $TOKEN" -d '{"code":"123456"}'
└ Ctrl-C stops it.
`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nSecure Delivery sandbox: stopping\n');
    await sandbox.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(
    `Secure Delivery sandbox failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
