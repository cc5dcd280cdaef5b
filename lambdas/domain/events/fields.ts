// zod/mini: the same validation at a fraction of the load time of zod's classic API (cold starts).
import * as z from 'zod/mini';
import { isValidTimeZone, parseCalendarDate } from '../expiry.ts';
import { DRIVER_ID_PATTERN, PARCEL_ID_PATTERN } from '../identifiers.ts';

// Fields several events share. A refinement JSON Schema cannot express carries a `description` naming
// the rule, so the generated schemas (docs/events, the schema registry) still say it.

export const ParcelIdSchema = z
  .string()
  .check(z.regex(PARCEL_ID_PATTERN, 'must be 1-64 of A-Z a-z 0-9 . _ - '));
export const DriverIdSchema = z
  .string()
  .check(z.regex(DRIVER_ID_PATTERN, 'must be 1-128 of A-Z a-z 0-9 . _ -'));
export const CalendarDateSchema = z.string().check(
  z.refine((value) => parseCalendarDate(value) !== undefined, 'must be a calendar date YYYY-MM-DD'),
  z.describe('A calendar date YYYY-MM-DD that exists (no 2026-02-30).'),
);
export const TimeZoneSchema = z
  .string()
  .check(z.refine(isValidTimeZone, 'must be an IANA time zone'), z.describe('An IANA time zone.'));
/** An instant in ISO 8601 with `Z` (what `Date#toISOString` writes). */
export const InstantSchema = z.iso.datetime();
