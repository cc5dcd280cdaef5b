// The answer to a carrier event this product refused (source `secure-delivery`). Ids and codes only: the
// refused event's own text (an address, a name) never goes back on the bus.
import * as z from 'zod/mini';
import { CARRIER_EVENT_TYPES, DetailType, REFUSAL_REASONS } from './detail-types.ts';
import { ParcelIdSchema } from './fields.ts';

/** A field's dotted path as the typed errors name it (`detail.recipient.email`, `time`, `(root)`). */
export const FIELD_PATH_PATTERN = /^(?:\(root\)|[A-Za-z0-9_-]{1,64}(?:\.[A-Za-z0-9_-]{1,64}){0,7})$/;
/** An EventBridge event id (a UUID as EventBridge assigns it; kept through archive replays). */
export const EVENT_ID_PATTERN = /^[A-Za-z0-9-]{1,128}$/;

/** Detail of `Parcel Event Refused`: which carrier event was not applied, and why. */
export const ParcelEventRefusedDetailSchema = z.object({
  parcelId: z.optional(
    ParcelIdSchema.check(z.describe('The refused event\u2019s parcelId, when it was a valid one.')),
  ),
  refusedDetailType: z.enum(CARRIER_EVENT_TYPES),
  reason: z.enum(REFUSAL_REASONS),
  field: z.optional(
    z
      .string()
      .check(
        z.regex(FIELD_PATH_PATTERN),
        z.describe(
          'The first offending field of the refused event, as a dotted path (detail.recipient.email, time).',
        ),
      ),
  ),
  eventId: z
    .string()
    .check(
      z.regex(EVENT_ID_PATTERN),
      z.describe('The refused event\u2019s EventBridge id, as PutEvents answered it to the carrier.'),
    ),
});
export type ParcelEventRefusedDetail = z.infer<typeof ParcelEventRefusedDetailSchema>;
/** An example `Parcel Event Refused` detail: a Parcel Shipped whose delivery day was over. */
export const ParcelEventRefusedDetailExample: ParcelEventRefusedDetail = {
  parcelId: 'PCL-789',
  refusedDetailType: DetailType.ParcelShipped,
  reason: 'DELIVERY_DATE_OVER',
  field: 'detail.expectedDeliveryDate',
  eventId: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
};
