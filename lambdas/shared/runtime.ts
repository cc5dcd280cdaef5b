import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';

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
