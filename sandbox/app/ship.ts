import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxEndpoints } from './sandbox.ts';

// Set before the AWS SDK loads: Node 20 is supported here, the SDK's upgrade notice is noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
const { SandboxClient } = await import('./client.ts');
const { REPO_ROOT } = await import('./paths.ts');
const { parseShipArguments, shipParcel } = await import('./ship-parcel.ts');

/** `npm run ship -- [--parcel ID] [--email ADDR] [--phone +49…] [--value 2499.00 EUR]` against a running sandbox. */
async function ship(): Promise<void> {
  const options = parseShipArguments(process.argv.slice(2));
  let endpoints: SandboxEndpoints;
  try {
    endpoints = JSON.parse(readFileSync(join(REPO_ROOT, '.sandbox', 'endpoints.json'), 'utf8'));
  } catch (error) {
    throw new Error(
      'No .sandbox/endpoints.json: start the sandbox first with `npm start` in another terminal.',
      {
        cause: error,
      },
    );
  }
  const client = new SandboxClient(endpoints);
  const ddb = new DynamoDBClient({
    endpoint: endpoints.dynamodbEndpoint,
    region: endpoints.region,
    credentials: endpoints.credentials,
  });
  const value = new Intl.NumberFormat('en', { style: 'currency', currency: options.value.currency });
  const digits = value.resolvedOptions().maximumFractionDigits ?? 2;
  process.stdout.write(
    `Parcel Shipped ${options.parcelId}: ${value.format(options.value.amount / 10 ** digits)} to ${options.email}${options.phone ? ` (${options.phone})` : ''}, delivery today\n`,
  );
  const result = await shipParcel(client, ddb, options);
  ddb.destroy();
  if (!result.emailSubject) {
    process.stdout.write(
      `  → no code for this parcel: ${result.reason}\n  events on the bus: ${endpoints.inspectUrl}\n`,
    );
    return;
  }
  process.stdout.write(`  → code emailed: "${result.emailSubject}"\n`);
  process.stdout.write(
    result.boundTo
      ? `Parcel Out For Delivery with driver ${result.boundTo}: the code is bound to them\n`
      : `Parcel Out For Delivery with driver ${options.driverId}: not bound within 10 s, see the sandbox log\n`,
  );
  process.stdout.write(`
  1. Inbox (the code):  ${endpoints.inboxUrl}
  2. Driver app:        ${endpoints.driverAppUrl}/?parcel=${encodeURIComponent(options.parcelId)}
     Sign in (${options.driverId} is filled in), then type the code and tap "Hand over".
`);
}

ship().catch((error: unknown) => {
  process.stderr.write(`ship failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
