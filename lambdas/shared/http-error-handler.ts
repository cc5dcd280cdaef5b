import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { INTERNAL_ERROR, type RouteContract } from '../contracts/http/routes.ts';
import { failureFields } from './failure.ts';
import { answerResponse, BadRequestError } from './http.ts';

/**
 * middy `onError` of an HTTP handler, after `@middy/http-error-handler`'s pattern but with this API's JSON
 * `{ code, message }` body: a {@link BadRequestError} answers its own 4xx; a typed error the route's
 * contract lists (matched by `name`, which minifiers keep) answers its status, code and headers; anything
 * else is logged by name (and the AWS request id of a failed call) and answered 500 without details.
 */
export function httpErrorHandler<Event>(
  route: RouteContract<string>,
  logger: Logger,
): MiddlewareObj<Event, APIGatewayProxyResultV2> {
  return {
    onError: async (request) => {
      const error: unknown = request.error;
      if (error instanceof BadRequestError) {
        request.response = answerResponse(error.answer);
        return;
      }
      const failure = failureFields(error);
      const answer = Object.hasOwn(route.errors, failure.errorName)
        ? route.errors[failure.errorName]
        : undefined;
      if (answer) {
        logger.warn(`${route.name} answered ${answer.code}`, failure);
        request.response = answerResponse(answer);
        return;
      }
      logger.error(`${route.name} failed`, failure);
      request.response = answerResponse(INTERNAL_ERROR);
    },
  };
}
