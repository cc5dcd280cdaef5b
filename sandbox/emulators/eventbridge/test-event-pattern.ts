import { AwsJsonError } from '../aws-protocol.ts';
import {
  type CompiledPattern,
  InvalidEventPatternError,
  matchesEventPattern,
  parseEventPattern,
} from './event-pattern.ts';

const MANDATORY_EVENT_FIELDS = ['id', 'account', 'source', 'time', 'region', 'detail-type'];

/** TestEventPattern: true/false, or InvalidEventPatternException for an invalid pattern. */
export function testEventPatternRequest(body: { EventPattern?: unknown; Event?: unknown }): {
  Result: boolean;
} {
  let pattern: CompiledPattern;
  try {
    pattern = parseEventPattern(body.EventPattern);
  } catch (error) {
    if (error instanceof InvalidEventPatternError)
      throw new AwsJsonError('InvalidEventPatternException', error.message, { cause: error });
    throw error;
  }
  let event: unknown;
  try {
    event = typeof body.Event === 'string' ? JSON.parse(body.Event) : body.Event;
  } catch {
    throw new AwsJsonError('ValidationException', 'Parameter Event is not valid.');
  }
  // The fields EventBridge requires of a test event (`resources` is documented as mandatory but is not).
  if (
    typeof event !== 'object' ||
    event === null ||
    Array.isArray(event) ||
    !MANDATORY_EVENT_FIELDS.every((field) => field in event)
  )
    throw new AwsJsonError('ValidationException', 'Parameter Event is not valid.');
  return { Result: matchesEventPattern(pattern, event) };
}
