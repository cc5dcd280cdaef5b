/**
 * `npm run ship`'s work: a valid `Parcel Shipped` for today put on the sandbox's bus through the AWS SDK
 * (as a carrier puts it), then `Parcel Out For Delivery` to the driver the sign-in page suggests, so the
 * driver app hands it over with nothing typed but the code.
 */
import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { ParcelShippedDetailSchema } from '../../lambdas/domain/events/carrier-events.ts';
import { DetailType } from '../../lambdas/domain/events/detail-types.ts';
import { otpTableName, type SandboxClient, shippedDetail } from './client.ts';
import { DRIVER_SIGN_IN } from './settings.ts';

/** What to ship; every field has a default but the parcel's. */
export interface ShipOptions {
  readonly parcelId: string;
  readonly email: string;
  readonly phone?: string;
  /** In minor units, as the event carries it. */
  readonly value: { readonly amount: number; readonly currency: string };
  readonly driverId: string;
}

/** How `npm run ship` is called. */
export const SHIP_USAGE =
  'usage: npm run ship -- [--parcel ID] [--email ADDRESS] [--phone +4915112345678] [--value 2499.00 EUR]';

/** The minor units of `text` (e.g. `2499.00`) in `currency`, with no more decimals than it has. */
function minorUnits(text: string, currency: string): number {
  if (!/^[A-Z]{3}$/.test(currency)) throw new Error(`--value: ${currency} is no ISO 4217 currency code`);
  let digits: number;
  try {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
      .maximumFractionDigits as number;
  } catch (error) {
    throw new Error(`--value: ${currency} is no ISO 4217 currency code`, { cause: error });
  }
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match || (match[2] ?? '').length > digits)
    throw new Error(
      `--value: ${text} is no amount in ${currency} (at most ${digits} decimals, e.g. 2499.00)`,
    );
  return Number(match[1]) * 10 ** digits + Number((match[2] ?? '').padEnd(digits, '0') || 0);
}

/**
 * `--parcel`, `--email`, `--phone` and `--value <amount> [<currency>]` (also `--name=value`); the
 * parcel defaults to a new id, the email to `<parcel>@example.com`, the value to the contract example's.
 */
export function parseShipArguments(argv: readonly string[], now = new Date()): ShipOptions {
  const values = new Map<string, string[]>();
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string;
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg];
    if (!['--parcel', '--email', '--phone', '--value'].includes(flag as string))
      throw new Error(`unknown argument ${arg}\n${SHIP_USAGE}`);
    const taken = inline !== undefined ? inline.split(/\s+/) : [argv[++index] ?? ''];
    if (flag === '--value' && inline === undefined && /^[A-Z]{3}$/.test(argv[index + 1] ?? ''))
      taken.push(argv[++index] as string);
    if (taken[0] === '' || taken[0]?.startsWith('--'))
      throw new Error(`${flag} needs a value\n${SHIP_USAGE}`);
    values.set(flag as string, taken);
  }
  const parcelId = values.get('--parcel')?.[0] ?? `SHIP-${now.getTime().toString(36).toUpperCase()}`;
  const example = shippedDetail(parcelId).declaredValue as { amount: number; currency: string };
  const [amount, currency = example.currency] = values.get('--value') ?? [];
  const phone = values.get('--phone')?.[0];
  return {
    parcelId,
    email: values.get('--email')?.[0] ?? `${parcelId.toLowerCase()}@example.com`,
    ...(phone ? { phone } : {}),
    value: amount === undefined ? example : { amount: minorUnits(amount, currency), currency },
    driverId: DRIVER_SIGN_IN.example,
  };
}

/** Today's date (YYYY-MM-DD) in `timeZone`. */
export function todayIn(timeZone: string, now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}

/** What happened to a shipped parcel. */
export interface ShipResult {
  readonly parcelId: string;
  readonly deliveryDate: string;
  /** The code email's subject; undefined when none came (see `reason`). */
  readonly emailSubject?: string;
  /** Why no code was issued, as the product said on the bus (`Delivery Otp Not Required`'s reason). */
  readonly reason?: string;
  /** The driver the parcel is out for delivery with, once the code is bound to them. */
  readonly boundTo?: string;
}

/** Waits up to `timeoutMs` for `check` to return something. */
async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await check();
    if (found !== undefined || Date.now() > deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Ships the parcel for delivery today (in its destination's time zone), waits for the code email, then
 * puts it out for delivery with `options.driverId` and waits until the code is bound to that driver.
 * A detail the contract refuses fails here, naming the field, before anything is put on the bus.
 */
export async function shipParcel(
  client: SandboxClient,
  ddb: DynamoDBClient,
  options: ShipOptions,
): Promise<ShipResult> {
  const example = shippedDetail(options.parcelId);
  const timeZone = (example.destination as { timeZone: string }).timeZone;
  const deliveryDate = todayIn(timeZone);
  const detail = shippedDetail(options.parcelId, {
    declaredValue: options.value,
    recipient: {
      ...(example.recipient as object),
      email: options.email,
      ...(options.phone ? { phone: options.phone } : {}),
    },
    expectedDeliveryDate: deliveryDate,
  });
  const parsed = ParcelShippedDetailSchema.safeParse(detail);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    throw new Error(`Parcel Shipped would be refused: ${issue?.path.join('.')} ${issue?.message}`);
  }
  await client.publish([{ detailType: DetailType.ParcelShipped, detail }]);
  // The code email, or the product's word that no code is needed, whichever comes first.
  const outcome = await waitFor(async () => {
    const [email] = await client.emailsTo(options.email);
    if (email) return { email };
    const notRequired = (await client.busEvents()).find(
      (event) =>
        event['detail-type'] === DetailType.OtpNotRequired && event.detail.parcelId === options.parcelId,
    );
    return notRequired ? { reason: String(notRequired.detail.reason) } : undefined;
  });
  const email = outcome && 'email' in outcome ? outcome.email : undefined;
  if (!email)
    return {
      parcelId: options.parcelId,
      deliveryDate,
      reason: outcome && 'reason' in outcome ? outcome.reason : 'no email within 10 s',
    };
  await client.publish([
    {
      detailType: DetailType.ParcelOutForDelivery,
      detail: { parcelId: options.parcelId, driverId: options.driverId, deliveryDate },
    },
  ]);
  const tableName = await otpTableName(ddb);
  const boundTo = await waitFor(async () => {
    const { Item } = await ddb.send(
      new GetItemCommand({
        TableName: tableName,
        Key: { parcelId: { S: options.parcelId } },
        ConsistentRead: true,
      }),
    );
    return Item?.driverId?.S === options.driverId ? options.driverId : undefined;
  });
  return {
    parcelId: options.parcelId,
    deliveryDate,
    emailSubject: email.subject,
    ...(boundTo ? { boundTo } : {}),
  };
}
