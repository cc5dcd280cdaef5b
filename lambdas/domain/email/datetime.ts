const ONE_MINUTE_MS = 60_000;

/** A date and a time of day, each formatted for display in one locale and time zone. */
export interface LocalDateTime {
  /** Weekday, day, month and year, e.g. "Tuesday, 1 December 2026". */
  readonly date: string;
  /** Hours and minutes, e.g. "23:59" or "11:59 PM". */
  readonly time: string;
}

/**
 * Formats an instant as a local date and time of day.
 *
 * @param instant - The moment to display.
 * @param locale - Locale for `Intl.DateTimeFormat`.
 * @param timeZone - IANA time zone of the recipient, e.g. `Europe/Berlin`.
 * @returns The formatted date and time.
 * @throws RangeError if the instant is an invalid Date or the time zone is unknown.
 */
export function formatLocalDateTime(instant: Date, locale: string, timeZone: string): LocalDateTime {
  const date = new Intl.DateTimeFormat(locale, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone,
  }).format(instant);
  const time = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', timeZone }).format(
    instant,
  );
  return { date, time };
}

/**
 * Formats the last minute of validity for an exclusive end instant.
 *
 * Validity ends at the first instant of the next local day, which would display as "00:00"
 * of the wrong day; showing the minute before gives the delivery day and "23:59".
 *
 * @param validUntil - Exclusive end of validity.
 * @param locale - Locale for `Intl.DateTimeFormat`.
 * @param timeZone - IANA time zone of the recipient.
 * @returns The formatted date and time of the last valid minute.
 * @throws RangeError if the instant is an invalid Date or the time zone is unknown.
 */
export function formatLastValidMinute(validUntil: Date, locale: string, timeZone: string): LocalDateTime {
  return formatLocalDateTime(new Date(validUntil.getTime() - ONE_MINUTE_MS), locale, timeZone);
}
