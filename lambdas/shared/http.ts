import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
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

/** A request the handler refuses before doing any work: 4xx with a reason. */
export class BadRequestError extends Error {
  override readonly name = 'BadRequestError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Largest request body accepted; a code body is ~20 bytes. */
export const MAX_BODY_BYTES = 1024;

/** Decodes and parses a JSON request body, refusing oversize, non-JSON and non-object bodies. */
export function parseJsonBody(body: string | undefined, isBase64Encoded: boolean): Record<string, unknown> {
  if (body === undefined || body === '')
    throw new BadRequestError(400, 'MALFORMED_REQUEST', 'Body is required');
  const text = isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) {
    throw new BadRequestError(413, 'PAYLOAD_TOO_LARGE', `Body must be at most ${MAX_BODY_BYTES} bytes`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BadRequestError(400, 'MALFORMED_REQUEST', 'Body must be JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BadRequestError(400, 'MALFORMED_REQUEST', 'Body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** The `{parcelId}` path parameter, or a 400 naming the rule. */
export function parseParcelId(event: Pick<APIGatewayProxyEventV2, 'pathParameters'>): string {
  const parcelId = event.pathParameters?.parcelId ?? '';
  if (!PARCEL_ID_PATTERN.test(parcelId)) {
    throw new BadRequestError(400, 'INVALID_PARCEL_ID', 'parcelId must be 1-64 of A-Z a-z 0-9 . _ -');
  }
  return parcelId;
}

/** Transient failures of a dependency, after the SDK's retries: the caller may try again. */
const TRY_AGAIN_ERRORS = new Set(['StoreThrottledError', 'KeyServiceUnavailableError']);

/** Maps a refused request or an internal failure to a response; nothing internal leaks. */
export function errorResponse(error: unknown, onInternal: (error: unknown) => void): APIGatewayProxyResultV2 {
  if (error instanceof BadRequestError)
    return jsonResponse(error.statusCode, { code: error.code, message: error.message });
  if (error instanceof Error && TRY_AGAIN_ERRORS.has(error.name)) {
    return jsonResponse(
      503,
      { code: 'TRY_AGAIN', message: 'Busy, try again shortly' },
      { 'retry-after': '1' },
    );
  }
  onInternal(error);
  return jsonResponse(500, { code: 'INTERNAL_ERROR', message: 'Internal error' });
}
