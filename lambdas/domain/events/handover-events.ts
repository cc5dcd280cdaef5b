// The handover event this product emits (source `secure-delivery`), published by the table stream's pipe.
import * as z from 'zod/mini';
import { DriverIdSchema, InstantSchema, ParcelIdSchema } from './fields.ts';

/** Detail of `Parcel Handover Verified`: at least once, so a consumer dedupes by `parcelId`. */
export const HandoverVerifiedDetailSchema = z.object({
  parcelId: ParcelIdSchema,
  driverId: DriverIdSchema,
  verifiedAt: InstantSchema,
});
export type HandoverVerifiedDetail = z.infer<typeof HandoverVerifiedDetailSchema>;
/** An example `Parcel Handover Verified` detail. */
export const HandoverVerifiedDetailExample: HandoverVerifiedDetail = {
  parcelId: 'PCL-789',
  driverId: 'driver-1',
  verifiedAt: '2026-12-01T14:32:05.120Z',
};
