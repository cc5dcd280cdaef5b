// The carriers' events this product consumes (source: context `secureDelivery:eventSource`).
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';
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

/** A number its country's numbering plan knows (libphonenumber's metadata): `+49 0151…` is `+49 151…`. */
const isValidPhoneNumber = (value: string): boolean => parsePhoneNumberFromString(value)?.isValid() === true;

/** The one E.164 spelling of a number (national trunk prefix dropped), so every limit keys on one handset. */
const toCanonicalE164 = (value: string): string => parsePhoneNumberFromString(value)?.number ?? value;

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
    phone: z.optional(
      z
        .string()
        .check(
          z.regex(PHONE_NUMBER_PATTERN, 'must be a phone number in E.164 form (+4915112345678)'),
          z.refine(isValidPhoneNumber, 'must be a valid number of its country'),
          z.overwrite(toCanonicalE164),
          z.describe(
            'E.164; must be a valid number of its country. Normalized to its one E.164 spelling (+49 0151… becomes +49 151…) before it is stored or counted.',
          ),
        ),
    ),
  }),
  destination: z.object({
    type: z.enum(['HOME', 'LOCKER', 'PO_BOX', 'PICKUP_POINT']),
    timeZone: TimeZoneSchema,
  }),
  deliveryPartner: z.enum(['OWN_FLEET', 'PARTNER']),
  expectedDeliveryDate: CalendarDateSchema,
});
export type ParcelShippedDetail = z.infer<typeof ParcelShippedDetailSchema>;
/** An example `Parcel Shipped` detail (a EUR 1,299.00 home delivery): in its JSON Schema, the docs and tests. */
export const ParcelShippedDetailExample: ParcelShippedDetail = {
  parcelId: 'PCL-789',
  orderId: '123-456',
  declaredValue: { amount: 129900, currency: 'EUR' },
  recipient: { email: 'erika.mustermann@mail.test', name: 'Erika Mustermann', locale: 'de-DE' },
  destination: { type: 'HOME', timeZone: 'Europe/Berlin' },
  deliveryPartner: 'OWN_FLEET',
  expectedDeliveryDate: '2026-12-01',
};

// The route's events have a module of their own: their handlers then never load the phone-number metadata.
export * from './route-events.ts';
