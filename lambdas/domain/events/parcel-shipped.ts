// `Parcel Shipped`'s shape, without the numbering plan's phone check: issue-otp reads the parcel
// check-value validated and passed on, and so never loads libphonenumber's metadata (~15 ms of init).
import * as z from 'zod/mini';
import { hasHiddenOrBreakingCharacter, looksLikeLink } from '../display-name.ts';
import { EMAIL_ADDRESS_PATTERN, PHONE_NUMBER_PATTERN } from '../identifiers.ts';
import { CalendarDateSchema, ParcelIdSchema, TimeZoneSchema } from './fields.ts';

/** Largest declared value accepted, in minor units (10^13 = 100 billion in a two-decimal currency). */
export const MAX_DECLARED_AMOUNT = 10_000_000_000_000;

const isBcp47 = (value: string): boolean => {
  try {
    return Intl.getCanonicalLocales(value).length === 1;
  } catch {
    return false;
  }
};

/**
 * `Parcel Shipped`'s detail, its phone checked by `phone`: the one shape of the carrier's event
 * ({@link ParcelShippedDetailSchema} in carrier-events.ts) and of the parcel check-value passes on.
 */
export function parcelShippedSchema(phone: z.ZodMiniString<string>) {
  return z.object({
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
        z.describe(
          'Printed in the greeting of emails: no control, format (bidi, zero-width, soft hyphen), surrogate or line/paragraph separator characters; nothing a mail client links (no ":" "@" "\\", no dot directly followed by two letters or digits, at most 4 digits).',
        ),
      ),
      locale: z
        .string()
        .check(
          z.maxLength(35),
          z.refine(isBcp47, 'must be a BCP 47 language tag'),
          z.describe('A BCP 47 language tag; de* gets German emails and SMS, anything else English.'),
        ),
      // The code's second channel (SMS) when the email does not arrive; kept in the recipient table only.
      phone: z.optional(phone),
    }),
    destination: z.object({
      type: z.enum(['HOME', 'LOCKER', 'PO_BOX', 'PICKUP_POINT']),
      timeZone: TimeZoneSchema,
    }),
    deliveryPartner: z.enum(['OWN_FLEET', 'PARTNER']),
    expectedDeliveryDate: CalendarDateSchema,
  });
}

/** A phone number in E.164 form, by its pattern alone (the carrier's event adds the numbering plan's check). */
export const E164PhoneSchema = z
  .string()
  .check(z.regex(PHONE_NUMBER_PATTERN, 'must be a phone number in E.164 form (+4915112345678)'));

/**
 * The parcel as check-value passed it on (issue-otp's input): `Parcel Shipped`'s detail, validated there,
 * its phone already in its canonical E.164 spelling, so checked here by its pattern only.
 */
export const CheckedParcelSchema = parcelShippedSchema(E164PhoneSchema);
