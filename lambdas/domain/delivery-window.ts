import { DeliveryDateOutOfRangeError } from './errors.ts';
import { endOfDeliveryDay, localDate, parseCalendarDate } from './expiry.ts';

const DAY_MS = 86_400_000;

/**
 * The instant a code for this delivery stops being valid, checked against now: the delivery day must not
 * be over already, nor lie more than `maxDaysAhead` days ahead (a typo'd year would keep a code alive).
 */
export function deliveryWindowEnd(
  deliveryDate: string,
  timeZone: string,
  now: Date,
  maxDaysAhead: number,
  field = 'detail.expectedDeliveryDate',
): Date {
  const validUntil = endOfDeliveryDay(deliveryDate, timeZone);
  if (validUntil.getTime() <= now.getTime()) {
    throw new DeliveryDateOutOfRangeError(field, 'the delivery day is already over', 'DELIVERY_DATE_OVER');
  }
  // Calendar days in the destination's zone, not elapsed hours: a DST change must not move the limit.
  const today = parseCalendarDate(localDate(now, timeZone)) as number;
  const daysAhead = Math.round(((parseCalendarDate(deliveryDate) as number) - today) / DAY_MS);
  if (daysAhead > maxDaysAhead) {
    throw new DeliveryDateOutOfRangeError(
      field,
      `must be at most ${maxDaysAhead} days ahead`,
      'DELIVERY_DATE_TOO_FAR_AHEAD',
    );
  }
  return validUntil;
}
