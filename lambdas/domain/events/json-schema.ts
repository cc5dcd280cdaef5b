import * as z from 'zod/mini';
import { DEFAULT_EVENT_SOURCES, type EventPublisherRole } from './detail-types.ts';
import type { EventDefinition } from './index.ts';

/** A calendar date anywhere in a JSON text. */
const DATE = /"\d{4}-\d{2}-\d{2}/;

/** Said of every example with a date: the examples are fixed so the documents are reproducible, so their dates go stale. */
export const PLACEHOLDER_DATES =
  "The example's dates are placeholders, fixed so this document is reproducible: a real event carries current dates (a Parcel Shipped whose expectedDeliveryDate is over is refused).";

/** A JSON Schema document (draft 4), as `JSON.parse` gives it. */
export type JsonSchemaDocument = Record<string, unknown>;

/**
 * The whole EventBridge event (envelope and detail) as a JSON Schema draft 4 document: the format the
 * EventBridge Schema Registry takes (`JSONSchemaDraft4`) and the shape of AWS's own event schemas, so the
 * registry's code bindings type the envelope too. The detail is generated from the event's zod schema
 * (`io: 'input'`: what a publisher must send; unknown fields are allowed, so the contract can grow).
 */
export function eventJsonSchema(
  event: EventDefinition,
  sources: Readonly<Record<EventPublisherRole, string>> = DEFAULT_EVENT_SOURCES,
): JsonSchemaDocument {
  const { $schema, ...detail } = z.toJSONSchema(event.schema, { target: 'draft-4', io: 'input' });
  const source = sources[event.publisher];
  const text = { type: 'string' };
  return {
    $schema,
    title: event.detailType,
    description: event.description,
    'x-amazon-events-source': source,
    'x-amazon-events-detail-type': event.detailType,
    type: 'object',
    properties: {
      version: text,
      id: text,
      'detail-type': { type: 'string', enum: [event.detailType] },
      source: { type: 'string', enum: [source] },
      account: text,
      time: { type: 'string', format: 'date-time' },
      region: text,
      resources: { type: 'array', items: text },
      // `examples` is draft 6's annotation; draft 4 ignores keywords it does not define (as it does the
      // registry's own `x-amazon-events-*`), so the document stays valid draft 4.
      detail: {
        ...detail,
        ...(DATE.test(JSON.stringify(event.example)) ? { description: PLACEHOLDER_DATES } : {}),
        examples: [event.example],
      },
    },
    required: ['detail-type', 'source', 'detail'],
  };
}

/** `Parcel Handover Verified` → `parcel-handover-verified`: the event's file name and schema name. */
export const kebabDetailType = (detailType: string): string => detailType.toLowerCase().replace(/ /g, '-');
