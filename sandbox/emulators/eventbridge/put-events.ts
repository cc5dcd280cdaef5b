import { AwsJsonError } from '../aws-protocol.ts';
import type { PutEventsEntry } from './bus.ts';

/** PutEvents' limit on the total entry size of one request (raised from 256 KB to 1 MB in January 2026). */
const MAX_REQUEST_ENTRY_BYTES = 1024 * 1024;
/** `Time` counts 14 bytes in an entry's size, whatever its value. */
const TIME_ENTRY_BYTES = 14;

/**
 * An entry's size as EventBridge computes it ("Calculating PutEvents event entry size"): 14 bytes for
 * `Time` when present, plus the UTF-8 bytes of `Source`, `DetailType`, `Detail` and each of `Resources`.
 */
function entrySize(entry: PutEventsEntry): number {
  const utf8 = (text: unknown) => (typeof text === 'string' ? Buffer.byteLength(text) : 0);
  return (
    (entry.Time == null ? 0 : TIME_ENTRY_BYTES) +
    utf8(entry.Source) +
    utf8(entry.DetailType) +
    utf8(entry.Detail) +
    (Array.isArray(entry.Resources) ? entry.Resources.reduce((sum, arn) => sum + utf8(arn), 0) : 0)
  );
}

/** Refuses a PutEvents request as EventBridge does: 1 to 10 entries, each a structure, within the size limit. */
export function checkPutEventsRequest(entries: readonly PutEventsEntry[]): void {
  if (!Array.isArray(entries) || entries.length === 0 || entries.length > 10) {
    throw new AwsJsonError(
      'ValidationException',
      `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${Array.isArray(entries) && entries.length > 10 ? 'less than or equal to 10' : 'greater than or equal to 1'}`,
    );
  }
  entries.forEach((entry, index) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      throw new AwsJsonError(
        'ValidationException',
        `1 validation error detected: Value null at 'entries.${index + 1}.member' failed to satisfy constraint: Member must not be null`,
      );
    // JSON 1.1 carries timestamps as epoch seconds and strings as strings; anything else does not deserialize.
    const strings = [entry.Source, entry.DetailType, entry.Detail, entry.EventBusName];
    const resources = entry.Resources;
    if (
      strings.some((value) => value != null && typeof value !== 'string') ||
      (resources != null &&
        (!Array.isArray(resources) || resources.some((arn) => typeof arn !== 'string'))) ||
      (entry.Time != null && (typeof entry.Time !== 'number' || !Number.isFinite(entry.Time)))
    )
      throw new AwsJsonError('SerializationException', 'Start of structure or map found where not expected.');
  });
  if (entries.reduce((sum, entry) => sum + entrySize(entry), 0) > MAX_REQUEST_ENTRY_BYTES)
    throw new AwsJsonError(
      'ValidationException',
      'Total size of the entries in the request is over the limit.',
    );
}

/**
 * An entry's source, detail-type and detail, or the refusal EventBridge gives the entry: Source,
 * DetailType and a JSON object Detail are required; `aws.` sources are AWS services' own (`serviceEvent`).
 */
export function checkEntry(
  entry: PutEventsEntry,
  options: { readonly serviceEvent: boolean },
): { source: string; detailType: string; detail: Record<string, unknown> } {
  if (!entry.Source)
    throw new AwsJsonError(
      'InvalidArgument',
      'Parameter Source is not valid. Reason: Source is a required argument.',
    );
  // `aws.` sources are reserved for AWS services' own events.
  if (!options.serviceEvent && entry.Source.startsWith('aws.'))
    throw new AwsJsonError('NotAuthorizedForSourceException', 'Not authorized for the source.');
  if (!entry.DetailType)
    throw new AwsJsonError(
      'InvalidArgument',
      'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
    );
  if (entry.Detail === undefined)
    throw new AwsJsonError(
      'InvalidArgument',
      'Parameter Detail is not valid. Reason: Detail is a required argument.',
    );
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail);
  } catch (error) {
    throw new AwsJsonError('MalformedDetail', 'Detail is malformed.', { cause: error });
  }
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
    throw new AwsJsonError('MalformedDetail', 'Detail is malformed.');
  }
  return { source: entry.Source, detailType: entry.DetailType, detail: detail as Record<string, unknown> };
}
