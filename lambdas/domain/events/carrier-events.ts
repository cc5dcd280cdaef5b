// The carriers' events this product consumes (source: context `secureDelivery:eventSource`).
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';
import * as z from 'zod/mini';
import { E164PhoneSchema, parcelShippedSchema } from './parcel-shipped.ts';

export { MAX_DECLARED_AMOUNT } from './parcel-shipped.ts';

/** A number its country's numbering plan knows (libphonenumber's metadata): `+49 0151…` is `+49 151…`. */
const isValidPhoneNumber = (value: string): boolean => parsePhoneNumberFromString(value)?.isValid() === true;

/** The one E.164 spelling of a number (national trunk prefix dropped), so every limit keys on one handset. */
const toCanonicalE164 = (value: string): string => parsePhoneNumberFromString(value)?.number ?? value;

/** A recipient's phone as a carrier sends it: E.164, a number its country's plan knows, canonical spelling. */
const RecipientPhoneSchema = E164PhoneSchema.check(
  z.refine(isValidPhoneNumber, 'must be a valid number of its country'),
  z.overwrite(toCanonicalE164),
  z.describe(
    'E.164; must be a valid number of its country. Normalized to its one E.164 spelling (+49 0151… becomes +49 151…) before it is stored or counted.',
  ),
);

/** Detail of `Parcel Shipped`, as a carrier publishes it. */
export const ParcelShippedDetailSchema = parcelShippedSchema(RecipientPhoneSchema);
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
