import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';

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

/** Wraps a handler in middy with the Powertools logger context (request id, cold start); events are never logged. */
export function lambdaHandler<Event, Result>(
  logger: Logger,
  handler: (event: Event, context: Context) => Promise<Result>,
): MiddyfiedHandler<Event, Result, Error, Context> {
  return middy<Event, Result, Error, Context>(handler).use(injectLambdaContext(logger, { resetKeys: true }));
}
