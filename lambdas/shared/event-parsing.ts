import { parse } from '@aws-lambda-powertools/parser';
import * as z from 'zod/mini';
import { InvalidParcelEventError } from '../domain/errors.ts';
import { firstIssue, type SchemaIssue } from '../domain/schema-issue.ts';

/**
 * The EventBridge envelope, field for field as the Powertools EventBridgeSchema has it, written with
 * zod/mini: Powertools' own schema loads zod's classic API, which doubles these functions' cold start.
 */
const EventBridgeEnvelopeSchema = z.object({
  version: z.string(),
  id: z.string(),
  source: z.string(),
  account: z.string(),
  time: z.iso.datetime(),
  region: z.string(),
  resources: z.array(z.string()),
  'detail-type': z.string(),
  'replay-name': z.optional(z.string()),
});

/** An EventBridge event whose detail passed `Detail`. */
export type ParsedEvent<Detail extends z.ZodMiniType> = z.infer<typeof EventBridgeEnvelopeSchema> & {
  detail: z.infer<Detail>;
};

// Built once per detail schema: zod compiles a schema on first use, which is costly on every invocation.
const envelopes = new WeakMap<z.ZodMiniType, z.ZodMiniType>();

/** The issues a failed Powertools parse carries (its cause), or a single root issue. */
function issuesOf(error: unknown): readonly SchemaIssue[] {
  const cause = (error as { cause?: unknown }).cause;
  return Array.isArray(cause) ? (cause as SchemaIssue[]) : [{ message: 'invalid', path: [] }];
}

// The Powertools parser's positional arguments, named: the schema carries any envelope itself, and a
// failure comes back as a result (its issues name the field) instead of being thrown.
const NO_ENVELOPE = undefined;
const SAFE_PARSE = true;

/**
 * Validates an EventBridge event and its detail (Powertools parser, zod schemas), throwing a typed error
 * that names the first offending field (e.g. `detail.declaredValue.amount`), so the workflow fails at once.
 */
export function parseEventDetail<Detail extends z.ZodMiniType>(
  schema: Detail,
  event: unknown,
): ParsedEvent<Detail> {
  let envelope = envelopes.get(schema);
  if (!envelope) {
    envelope = z.extend(EventBridgeEnvelopeSchema, { detail: schema });
    envelopes.set(schema, envelope);
  }
  const result = parse(event, NO_ENVELOPE, envelope, SAFE_PARSE);
  if (!result.success) {
    const { field, reason } = firstIssue(issuesOf(result.error));
    throw new InvalidParcelEventError(field, reason);
  }
  return result.data as ParsedEvent<Detail>;
}

/** Validates a workflow step's input (already shaped by the previous step) and names the bad field. */
export function parseInput<Schema extends z.ZodMiniType>(schema: Schema, input: unknown): z.infer<Schema> {
  const result = parse(input, NO_ENVELOPE, schema, SAFE_PARSE);
  if (!result.success) {
    const { field, reason } = firstIssue(issuesOf(result.error));
    throw new InvalidParcelEventError(field, reason);
  }
  return result.data as z.infer<Schema>;
}
