import { InvalidParcelEventError } from './errors.ts';

/** How far ahead of our clock a carrier's event time may be: a clock a few minutes fast still works. */
export const MAX_CLOCK_SKEW_SECONDS = 5 * 60;

/**
 * A carrier event's time as the order of lifecycle events and driver bindings uses it (epoch seconds).
 * One stamped more than {@link MAX_CLOCK_SKEW_SECONDS} ahead is refused (`EVENT_TIME_IN_FUTURE`): it would
 * make every genuine later event look older until then (a binding nobody could move, a failure nobody could
 * follow). The result never lies beyond now plus the skew.
 */
export function orderingTime(eventTime: Date, now: Date): number {
  const eventSeconds = Math.floor(eventTime.getTime() / 1000);
  const latest = Math.floor(now.getTime() / 1000) + MAX_CLOCK_SKEW_SECONDS;
  if (Number.isNaN(eventSeconds) || eventSeconds > latest)
    throw new InvalidParcelEventError('time', 'must not be in the future', 'EVENT_TIME_IN_FUTURE');
  return Math.min(eventSeconds, latest);
}
