import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import type { z } from 'zod';
import { InvalidParcelEventError } from '../domain/errors.ts';
import { firstIssue } from '../domain/parcel-events.ts';

// Built once per detail schema: zod compiles a schema on first use, which is costly on every invocation.
const envelopes = new WeakMap<z.ZodType, z.ZodType>();

/**
 * Validates an EventBridge event and its detail with the Powertools schema, throwing a typed error that
 * names the first offending field (e.g. `detail.declaredValue.amount`), so the workflow fails at once.
 */
export function parseEventDetail<Detail extends z.ZodType>(
  schema: Detail,
  event: unknown,
): z.infer<typeof EventBridgeSchema> & { detail: z.infer<Detail> } {
  let envelope = envelopes.get(schema);
  if (!envelope) {
    envelope = EventBridgeSchema.extend({ detail: schema });
    envelopes.set(schema, envelope);
  }
  const result = envelope.safeParse(event);
  if (!result.success) {
    const { field, reason } = firstIssue(result.error);
    throw new InvalidParcelEventError(field, reason);
  }
  return result.data as z.infer<typeof EventBridgeSchema> & { detail: z.infer<Detail> };
}

/** Validates a workflow step's input (already shaped by the previous step) and names the bad field. */
export function parseInput<Schema extends z.ZodType>(schema: Schema, input: unknown): z.infer<Schema> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const { field, reason } = firstIssue(result.error);
    throw new InvalidParcelEventError(field, reason);
  }
  return result.data;
}
