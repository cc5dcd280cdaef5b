import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DetailType } from '../../lambdas/domain/events/detail-types.ts';
import type { SandboxEndpoints } from './sandbox.ts';

// Set before the AWS SDK loads: Node 20 is supported here, the SDK's upgrade notice is noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
const { codeFromEmail, SandboxClient, shippedDetail } = await import('./client.ts');
const { REPO_ROOT } = await import('./paths.ts');
const { DRIVER_SIGN_IN } = await import('./settings.ts');
const { parseShipArguments, shipParcel } = await import('./ship-parcel.ts');

const step = (n: number, text: string) => process.stdout.write(`\n${n}. ${text}\n`);
const outcome = (text: string) => process.stdout.write(`   → ${text}\n`);

/** `npm run demo`: walks a running sandbox through the whole flow, as a carrier and a driver would. */
async function demo(): Promise<void> {
  let endpoints: SandboxEndpoints;
  try {
    endpoints = JSON.parse(readFileSync(join(REPO_ROOT, '.sandbox', 'endpoints.json'), 'utf8'));
  } catch (error) {
    throw new Error(
      'No .sandbox/endpoints.json: start the sandbox first with `npm start` in another terminal.',
      { cause: error },
    );
  }
  const client = new SandboxClient(endpoints);
  const run = Date.now().toString(36).toUpperCase();
  const high = `DEMO-${run}-HIGH`;
  const low = `DEMO-${run}-LOW`;
  // The driver the sign-in page suggests, so the driver app's last step needs only the code typed.
  const driverId = DRIVER_SIGN_IN.example;

  step(1, `Carrier publishes Parcel Shipped: ${high} (EUR 1,299.00, home) and ${low} (EUR 19.99)`);
  const highDetail = shippedDetail(high);
  await client.publish([
    { detailType: DetailType.ParcelShipped, detail: highDetail },
    {
      detailType: DetailType.ParcelShipped,
      detail: shippedDetail(low, { declaredValue: { amount: 1999, currency: 'EUR' } }),
    },
  ]);
  outcome('both events accepted by EventBridge');

  step(2, 'The recipient’s inbox');
  const recipient = (highDetail.recipient as { email: string }).email;
  const [email] = await client.waitForEmails(recipient);
  const code = codeFromEmail(email?.text ?? '');
  if (!email || !code) throw new Error('No code email arrived within 10 s: see the sandbox log.');
  outcome(
    `email arrived: "${email.subject}" (code ••••${code.slice(4)}; see it in full at ${endpoints.inboxUrl})`,
  );
  const lowEmails = await client.emailsTo((shippedDetail(low).recipient as { email: string }).email);
  outcome(`${low}: ${lowEmails.length} email(s), below the threshold`);

  step(3, `Carrier publishes Parcel Out For Delivery with driver ${driverId}`);
  await client.publish([
    {
      detailType: DetailType.ParcelOutForDelivery,
      detail: { parcelId: high, driverId, deliveryDate: highDetail.expectedDeliveryDate },
    },
  ]);
  await new Promise((resolve) => setTimeout(resolve, 300));
  outcome('code bound to the driver');

  step(4, 'The shop shows the code under Track Package (SigV4-signed request on the recipient’s behalf)');
  const tracked = await client.track(high, recipient);
  outcome(
    `${tracked.status}: code ${tracked.body.code === code ? 'matches the email' : 'MISMATCH'}, valid until ${String(tracked.body.validUntil)}`,
  );

  step(5, 'Driver signs in and enters a wrong code, then the right one');
  outcome(
    `in the driver app (${endpoints.driverAppUrl}, sign in as ${driverId}) a driver types the code from the email; here the demo does it through the API`,
  );
  const token = await client.driverToken(driverId);
  const wrong = await client.verify(high, { code: code === '000000' ? '111111' : '000000' }, token);
  outcome(`wrong code: ${wrong.status} ${JSON.stringify(wrong.body)}`);
  const right = await client.verify(high, { code }, token);
  outcome(`right code: ${right.status} ${JSON.stringify(right.body)}`);
  const again = await client.verify(high, { code }, token);
  outcome(`same code again: ${again.status} ${String(again.body.code)}`);

  step(6, 'The recipient gets a handover receipt');
  const receipt = (await client.waitForEmails(recipient, { count: 2 }))[1];
  outcome(receipt ? `email arrived: "${receipt.subject}"` : 'no receipt within 10 s: see the sandbox log');

  await smsFallback(client, endpoints, run);
  const forApp = `DEMO-${run}-APP`;
  step(8, `Your turn in the driver app: ${forApp} is out for delivery with ${driverId}`);
  const ddb = new DynamoDBClient({
    endpoint: endpoints.dynamodbEndpoint,
    region: endpoints.region,
    credentials: endpoints.credentials,
  });
  await shipParcel(client, ddb, parseShipArguments(['--parcel', forApp]));
  ddb.destroy();
  outcome(`the code is in the inbox: ${endpoints.inboxUrl}`);
  outcome(
    `open ${endpoints.driverAppUrl}/?parcel=${forApp} on a phone-sized window, sign in (${driverId} is filled in), type the code`,
  );

  process.stdout.write(`\nDone. Events on the bus: ${endpoints.inspectUrl}\n`);
}

/** Waits up to 10 s for `check` to return something. */
async function waitFor<T>(check: () => Promise<T | undefined>): Promise<T | undefined> {
  for (let tries = 0; tries < 100; tries++) {
    const found = await check();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return undefined;
}

/** A parcel to SES's bounce simulator address with a phone: the bounce, the SMS, the handover. */
async function smsFallback(
  client: InstanceType<typeof SandboxClient>,
  endpoints: SandboxEndpoints,
  run: string,
): Promise<void> {
  const parcelId = `DEMO-${run}-SMS`;
  const address = 'bounce@simulator.amazonses.com';
  const phone = '+4915100000000';
  const driverId = 'D-DEMO-SMS';
  step(7, `${parcelId} ships to ${address} (SES's mailbox simulator) with a phone on file`);
  const detail = shippedDetail(parcelId, {
    recipient: { email: address, name: 'Alex Example', locale: 'de-DE', phone },
  });
  await client.publish([{ detailType: DetailType.ParcelShipped, detail }]);
  const bounced = await waitFor(async () => {
    const answer = await client.track(parcelId, address);
    const delivery = answer.body.delivery as { email?: string; sms?: string } | undefined;
    return delivery?.sms === 'SENT' ? delivery : undefined;
  });
  outcome(`SES reports the email ${bounced?.email ?? 'not yet bounced'} (Email Bounced on the default bus)`);
  const texts = (await (await fetch(endpoints.smsInboxUrl)).json()) as {
    destinationPhoneNumber: string;
    messageBody: string;
  }[];
  const text = texts.filter((message) => message.destinationPhoneNumber === phone).pop();
  const code = codeFromEmail(text?.messageBody ?? '');
  if (!code) throw new Error('No code SMS arrived within 10 s: see the sandbox log.');
  outcome(`the code went by SMS instead (code ••••${code.slice(4)}; inbox: ${endpoints.inboxUrl})`);
  await client.publish([
    {
      detailType: DetailType.ParcelOutForDelivery,
      detail: { parcelId, driverId, deliveryDate: detail.expectedDeliveryDate },
    },
  ]);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const handover = await client.verify(parcelId, { code }, await client.driverToken(driverId));
  outcome(`driver enters the code from the SMS: ${handover.status} ${String(handover.body.code)}`);
}

demo().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
