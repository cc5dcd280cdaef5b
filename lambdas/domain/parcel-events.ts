// zod/mini: the same validation at a fraction of the load time of zod's classic API (cold starts).
import * as z from 'zod/mini';
import { hasHiddenOrBreakingCharacter, looksLikeLink } from './display-name.ts';
import { isValidTimeZone, parseCalendarDate } from './expiry.ts';
import {
  DRIVER_ID_PATTERN,
  EMAIL_ADDRESS_PATTERN,
  PARCEL_ID_PATTERN,
  PHONE_NUMBER_PATTERN,
} from './identifiers.ts';

export { DetailType, DRIVER_ID_PATTERN, PARCEL_ID_PATTERN } from './identifiers.ts';

/** Largest declared value accepted, in minor units (10^13 = 100 billion in a two-decimal currency). */
export const MAX_DECLARED_AMOUNT = 10_000_000_000_000;

const isBcp47 = (value: string): boolean => {
  try {
    return Intl.getCanonicalLocales(value).length === 1;
  } catch {
    return false;
  }
};

export const ParcelIdSchema = z
  .string()
  .check(z.regex(PARCEL_ID_PATTERN, 'must be 1-64 of A-Z a-z 0-9 . _ - '));
export const DriverIdSchema = z
  .string()
  .check(z.regex(DRIVER_ID_PATTERN, 'must be 1-128 of A-Z a-z 0-9 . _ -'));
export const CalendarDateSchema = z
  .string()
  .check(z.refine((value) => parseCalendarDate(value) !== undefined, 'must be a calendar date YYYY-MM-DD'));

/** Detail of `Parcel Shipped`, as a carrier publishes it. */
export const ParcelShippedDetailSchema = z.object({
  parcelId: ParcelIdSchema,
  orderId: z
    .string()
    .check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._\-/]{0,63}$/, 'must be 1-64 of A-Z a-z 0-9 . _ - /')),
  declaredValue: z.object({
    amount: z
      .number()
      .check(z.int('must be an integer in minor units'), z.minimum(0), z.maximum(MAX_DECLARED_AMOUNT)),
    currency: z.string().check(z.regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code')),
  }),
  recipient: z.object({
    email: z
      .email({ pattern: EMAIL_ADDRESS_PATTERN, error: 'must be an ASCII email address' })
      .check(z.maxLength(254)),
    // Printed in the greeting of emails from our address: nothing hidden or reordered, nothing a client links.
    name: z.string().check(
      z.maxLength(200),
      z.refine(
        (name) => !hasHiddenOrBreakingCharacter(name),
        'must not contain control, format (bidi, zero-width) or line/paragraph separator characters',
      ),
      z.refine(
        (name) => !looksLikeLink(name),
        'must not look like a link: no URL, domain, email address or phone number',
      ),
    ),
    locale: z.string().check(z.maxLength(35), z.refine(isBcp47, 'must be a BCP 47 language tag')),
    // The code's second channel (SMS) when the email does not arrive; kept in the recipient table only.
    phone: z.optional(
      z
        .string()
        .check(z.regex(PHONE_NUMBER_PATTERN, 'must be a phone number in E.164 form (+4915112345678)')),
    ),
  }),
  destination: z.object({
    type: z.enum(['HOME', 'LOCKER', 'PO_BOX', 'PICKUP_POINT']),
    timeZone: z.string().check(z.refine(isValidTimeZone, 'must be an IANA time zone')),
  }),
  deliveryPartner: z.enum(['OWN_FLEET', 'PARTNER']),
  expectedDeliveryDate: CalendarDateSchema,
});
export type ParcelShippedDetail = z.infer<typeof ParcelShippedDetailSchema>;

/** Detail of `Parcel Out For Delivery`. */
export const ParcelOutForDeliveryDetailSchema = z.object({
  parcelId: ParcelIdSchema,
  driverId: DriverIdSchema,
  deliveryDate: CalendarDateSchema,
});
export type ParcelOutForDeliveryDetail = z.infer<typeof ParcelOutForDeliveryDetailSchema>;

/** A validation issue as zod (and any Standard Schema) reports it. */
export interface SchemaIssue {
  readonly path?: readonly PropertyKey[];
  readonly message: string;
}

/** Turns the first issue (of a zod error, or a list of issues) into a dotted field path and its message. */
export function firstIssue(
  source: readonly SchemaIssue[] | { readonly issues: readonly SchemaIssue[] },
  prefix = '',
): { field: string; reason: string } {
  const issue = ('issues' in source ? source.issues : source)[0];
  const path = issue?.path?.map(String).join('.') ?? '';
  return { field: [prefix, path].filter(Boolean).join('.') || '(root)', reason: issue?.message ?? 'invalid' };
}
