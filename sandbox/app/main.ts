import { routePath, VERIFY_PATH } from '../../lambdas/contracts/http/paths.ts';
import { REPO_ROOT } from './paths.ts';
import type { SandboxDrivers } from './synth.ts';

// Set before the AWS SDK loads: Node 20 is supported here, the SDK's upgrade notice is noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { startSandbox } = await import('./sandbox.ts');

/** `--template <path>` / `--template=<path>`, else SANDBOX_TEMPLATE: a synthesized template to run. */
function templateArgument(argv: readonly string[]): string | undefined {
  const index = argv.findIndex((arg) => arg === '--template' || arg.startsWith('--template='));
  if (index === -1) return process.env.SANDBOX_TEMPLATE || undefined;
  const arg = argv[index] as string;
  const path = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[index + 1];
  if (!path) throw new Error('--template needs a path, e.g. --template cdk.out/SecureDelivery.template.json');
  return path;
}

/** `--drivers cognito|oidc` / `--drivers=…`, else SANDBOX_DRIVERS, else `cognito`. */
function driversArgument(argv: readonly string[]): SandboxDrivers {
  const index = argv.findIndex((arg) => arg === '--drivers' || arg.startsWith('--drivers='));
  const arg = argv[index] ?? '';
  const value =
    index === -1
      ? process.env.SANDBOX_DRIVERS || 'cognito'
      : arg.includes('=')
        ? arg.slice(arg.indexOf('=') + 1)
        : argv[index + 1];
  if (value !== 'cognito' && value !== 'oidc')
    throw new Error(`--drivers must be cognito or oidc, got ${value ?? 'nothing'}`);
  return value;
}

/** `npm start [-- --template <path>] [-- --drivers oidc]`: the whole system on loopback until Ctrl-C. */
async function main(): Promise<void> {
  const template = templateArgument(process.argv.slice(2));
  const drivers = driversArgument(process.argv.slice(2));
  const started = Date.now();
  const progress = (message: string) => process.stdout.write(`  … ${message}\n`);
  process.stdout.write('Secure Delivery sandbox: starting\n');
  const sandbox = await startSandbox({
    progress,
    endpointsDir: REPO_ROOT,
    drivers,
    ...(template ? { template } : {}),
  });
  const { endpoints: e } = sandbox;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(`
┌ Secure Delivery sandbox ready in ${seconds} s ─────────────────────────────
│ HTTP API (drivers)     ${e.apiUrl}${VERIFY_PATH}
│ Driver app             ${e.driverAppUrl}   (sign in as any driver ID, e.g. D-DEMO)
│ Driver sign-in         ${drivers === 'oidc' ? `OIDC provider ${sandbox.driverApp.login.endpoint('authorize').replace(/\/authorize$/, '')}` : 'Cognito managed login'}
│ EventBridge            ${e.eventsEndpoint}   bus ${e.eventBusName}, source ${e.eventSource}
│ Driver tokens          POST ${e.driverTokenUrl}  {"driverId":"D-1"}
│ SES inbox (web)        ${e.sesEndpoint}/
│ SMS (End User Msg)     ${e.smsEndpoint}   inbox ${e.smsInboxUrl}/page (JSON: ${e.smsInboxUrl})
│ DynamoDB               ${e.dynamodbEndpoint}
│ Step Functions         ${e.stepFunctionsEndpoint}
│ Secrets Manager        ${e.secretsManagerEndpoint}
│ Events on the bus      ${e.inspectUrl}
│ Workflow executions    ${e.inspectExecutionsUrl}
│ Endpoints file         .sandbox/endpoints.json
│
│ Try it:   npm run demo          (in a second terminal)
│ Token:    curl -s -X POST ${e.driverTokenUrl} -d '{"driverId":"D-1"}'
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
