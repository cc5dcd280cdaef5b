// The carriers' events about a parcel on its way (Out For Delivery, a failed attempt, a return or
// cancellation): apart from `Parcel Shipped`, whose phone validation loads libphonenumber's metadata.
import * as z from 'zod/mini';
import { CalendarDateSchema, DriverIdSchema, ParcelIdSchema } from './fields.ts';

/** Detail of `Parcel Out For Delivery`. */
export const ParcelOutForDeliveryDetailSchema = z.object({
  parcelId: ParcelIdSchema,
  driverId: DriverIdSchema,
  deliveryDate: CalendarDateSchema,
});
export type ParcelOutForDeliveryDetail = z.infer<typeof ParcelOutForDeliveryDetailSchema>;
/** An example `Parcel Out For Delivery` detail. */
export const ParcelOutForDeliveryDetailExample: ParcelOutForDeliveryDetail = {
  parcelId: 'PCL-789',
  driverId: 'driver-1',
  deliveryDate: '2026-12-01',
};

/** Detail of `Delivery Attempt Failed`. */
export const DeliveryAttemptFailedDetailSchema = z.object({
  parcelId: ParcelIdSchema,
  driverId: DriverIdSchema,
  reason: z.enum(['NOBODY_HOME', 'OTP_NOT_AVAILABLE', 'OTP_LOCKED', 'REFUSED', 'OTHER']),
  nextAttemptDate: z.optional(CalendarDateSchema),
});
export type DeliveryAttemptFailedDetail = z.infer<typeof DeliveryAttemptFailedDetailSchema>;
/** An example `Delivery Attempt Failed` detail: nobody home, next attempt the day after. */
export const DeliveryAttemptFailedDetailExample: DeliveryAttemptFailedDetail = {
  parcelId: 'PCL-789',
  driverId: 'driver-1',
  reason: 'NOBODY_HOME',
  nextAttemptDate: '2026-12-02',
};

/** Detail of `Parcel Returned` and `Shipment Cancelled`. */
export const ParcelClosedDetailSchema = z.object({ parcelId: ParcelIdSchema });
export type ParcelClosedDetail = z.infer<typeof ParcelClosedDetailSchema>;
/** An example `Parcel Returned` or `Shipment Cancelled` detail. */
export const ParcelClosedDetailExample: ParcelClosedDetail = { parcelId: 'PCL-789' };
