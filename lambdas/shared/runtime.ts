import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { InvalidParcelEventError } from '../domain/errors.ts';
import { firstIssue } from '../domain/parcel-events.ts';

/** Reads a required environment variable, failing the container's init with a clear message. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`Missing environment variable ${name}`);
  return value;
}

/** Reads a positive integer environment variable with a default. */
export function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer`);
  return value;
}

/** Structured JSON logger; service name from POWERTOOLS_SERVICE_NAME. Never given codes, hashes or emails. */
export function createLogger(): Logger {
  return new Logger();
}

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

/** Wraps a handler in middy with the Powertools logger context (request id, cold start); events are never logged. */
export function lambdaHandler<Event, Result>(
  logger: Logger,
  handler: (event: Event, context: Context) => Promise<Result>,
): MiddyfiedHandler<Event, Result, Error, Context> {
  return middy<Event, Result, Error, Context>(handler).use(injectLambdaContext(logger, { resetKeys: true }));
}
