/**
 * EventBridge event-pattern matcher for the local sandbox bus.
 *
 * Mirrors the semantics of AWS Event Ruler, the engine behind EventBridge: validation rules, messages,
 * dot-joined field paths, array-consistent matching, and the string/number/literal distinctions Ruler
 * makes because it matches on the JSON text of each value.
 */
import { parseEventPattern } from './event-pattern/compile.ts';
import { matchesEventPattern } from './event-pattern/match.ts';

export { parseEventPattern } from './event-pattern/compile.ts';
export { matchesEventPattern } from './event-pattern/match.ts';
export { type CompiledPattern, InvalidEventPatternError } from './event-pattern/shared.ts';

/**
 * Validates a pattern and matches one event against it, like the TestEventPattern API.
 *
 * @param pattern - The pattern as a JSON string or an already-parsed object.
 * @param event - The event as an object or a JSON string.
 * @returns True when the event matches.
 * @throws InvalidEventPatternError when EventBridge would reject the pattern.
 */
export function testEventPattern(pattern: string | unknown, event: unknown): boolean {
  return matchesEventPattern(parseEventPattern(pattern), event);
}
