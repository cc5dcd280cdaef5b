/** Calendar date `YYYY-MM-DD`. */
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** True when `timeZone` is an IANA zone the runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  if (timeZone.length === 0 || timeZone.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Parses a real calendar date (rejects 2026-02-30); returns its UTC midnight in ms, or undefined. */
export function parseCalendarDate(value: string): number | undefined {
  const match = DATE_PATTERN.exec(value);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const utc = Date.UTC(year, month - 1, day);
  const check = new Date(utc);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    return undefined;
  }
  return utc;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Offset of `timeZone` from UTC at `instantMs`, in ms (positive east of Greenwich). */
function zoneOffsetMs(timeZone: string, instantMs: number): number {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  const parts: Record<string, number> = {};
  for (const part of formatter.formatToParts(new Date(instantMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const asUtc = Date.UTC(
    parts.year ?? 0,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return asUtc - Math.floor(instantMs / 1000) * 1000;
}

/**
 * First instant of the local calendar day whose wall-clock midnight is `dayUtcMidnightMs` in `timeZone`.
 * Where midnight falls in a DST gap (America/Santiago), the day starts at the jump; where it occurs
 * twice, at the first one. Either way: the earliest instant whose wall clock lies on that day.
 */
function startOfLocalDay(dayUtcMidnightMs: number, timeZone: string, depth = 0): number {
  // The answer is midnight minus one of the offsets in force around it; offsets reach ±14 h, so sample
  // wide enough to see a change on either side (Tonga moved its clocks a whole day's worth of hours).
  const offsets = new Set(
    [-26, -14, -7, 0, 7, 14, 26].map((hours) => zoneOffsetMs(timeZone, dayUtcMidnightMs + hours * 3_600_000)),
  );
  let earliest = Number.POSITIVE_INFINITY;
  for (const offset of offsets) {
    const candidate = dayUtcMidnightMs - offset;
    const wallClock = candidate + zoneOffsetMs(timeZone, candidate);
    if (wallClock >= dayUtcMidnightMs && wallClock < dayUtcMidnightMs + DAY_MS) {
      earliest = Math.min(earliest, candidate);
    }
  }
  // A calendar day the zone skipped entirely (Samoa, 2011-12-30): the next day starts where it would have.
  if (earliest === Number.POSITIVE_INFINITY && depth < 2) {
    return startOfLocalDay(dayUtcMidnightMs + DAY_MS, timeZone, depth + 1);
  }
  return earliest;
}

/**
 * The instant a code issued for `deliveryDate` stops being valid: the first instant of the following
 * local day in `timeZone` (exclusive), so the code is valid through 23:59:59.999 local time, DST-correct.
 */
export function endOfDeliveryDay(deliveryDate: string, timeZone: string): Date {
  const dayUtc = parseCalendarDate(deliveryDate);
  if (dayUtc === undefined) throw new RangeError(`Not a calendar date: ${deliveryDate}`);
  if (!isValidTimeZone(timeZone)) throw new RangeError(`Unknown time zone: ${timeZone}`);
  const end = startOfLocalDay(dayUtc + DAY_MS, timeZone);
  if (!Number.isFinite(end)) throw new RangeError(`No end of day for ${deliveryDate} in ${timeZone}`);
  return new Date(end);
}

/** Epoch seconds for DynamoDB number attributes (expiry, TTL). */
export function toEpochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/** Local calendar date (YYYY-MM-DD) of `instant` in `timeZone`. */
export function localDate(instant: Date, timeZone: string): string {
  const offset = zoneOffsetMs(timeZone, instant.getTime());
  return new Date(instant.getTime() + offset).toISOString().slice(0, 10);
}
