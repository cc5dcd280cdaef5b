import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import {
  type ErrorAnswer,
  MAX_BODY_BYTES,
  MAX_BODY_FIELDS,
  RequestErrors,
} from '../contracts/http/routes.ts';
import { PARCEL_ID_PATTERN } from '../domain/identifiers.ts';

/** A JSON response with the machine-readable `code` every answer of this API carries. */
export function jsonResponse(
  statusCode: number,
  body: { code: string; message?: string } & Record<string, unknown>,
  headers: Record<string, string> = {},
): APIGatewayProxyResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

/** The response of one of the contract's answers; `extra` adds body fields (e.g. `attemptsRemaining`). */
export function answerResponse(
  answer: ErrorAnswer,
  extra: Record<string, unknown> = {},
): APIGatewayProxyResultV2 {
  return jsonResponse(
    answer.status,
    { code: answer.code, ...(answer.message === undefined ? {} : { message: answer.message }), ...extra },
    answer.retryAfterSeconds === undefined ? {} : { 'retry-after': String(answer.retryAfterSeconds) },
  );
}

/** A request the handler refuses before doing any work: 4xx with a reason, one of the route's `badRequests`. */
export class BadRequestError extends Error {
  override readonly name = 'BadRequestError';
  constructor(
    readonly answer: ErrorAnswer,
    options?: ErrorOptions,
  ) {
    super(answer.message, options);
  }
}

/** Decodes and parses a JSON request body, refusing oversize, non-JSON, non-object and many-field bodies. */
export function parseJsonBody(body: string | undefined, isBase64Encoded: boolean): Record<string, unknown> {
  if (body === undefined || body === '') throw new BadRequestError(RequestErrors.BODY_REQUIRED);
  const text = isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) {
    throw new BadRequestError(RequestErrors.PAYLOAD_TOO_LARGE);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new BadRequestError(RequestErrors.BODY_NOT_JSON, { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BadRequestError(RequestErrors.BODY_NOT_OBJECT);
  }
  // The document's maxProperties: a body the document refuses is refused here too.
  if (Object.keys(parsed).length > MAX_BODY_FIELDS) {
    throw new BadRequestError(RequestErrors.BODY_TOO_MANY_FIELDS);
  }
  return parsed as Record<string, unknown>;
}

/** The `{parcelId}` path parameter, or a 400 naming the rule. */
export function parseParcelId(event: Pick<APIGatewayProxyEventV2, 'pathParameters'>): string {
  const parcelId = event.pathParameters?.parcelId ?? '';
  if (!PARCEL_ID_PATTERN.test(parcelId)) throw new BadRequestError(RequestErrors.INVALID_PARCEL_ID);
  return parcelId;
}
