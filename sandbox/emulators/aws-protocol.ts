import type { IncomingMessage, ServerResponse } from 'node:http';

/** An AWS JSON-protocol error: the SDK reads `__type` to pick the exception class. */
export class AwsJsonError extends Error {
  /** The HTTP status of the answer: 400 unless the error says otherwise. */
  readonly statusCode: number;

  constructor(
    readonly type: string,
    message: string,
    options: { readonly statusCode?: number; readonly cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.statusCode = options.statusCode ?? 400;
  }
}

/**
 * Largest request body any sandbox endpoint reads: above every limit the services check themselves
 * (PutEvents' 1 MB of entries once JSON-escaped, SES's 10 MB message, DynamoDB's 16 MB batches).
 */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Reads a request body, refusing anything over the limit. */
export async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new AwsJsonError('ValidationException', 'Request body too large', { statusCode: 413 });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Reads a JSON request body (an empty one is `{}`); undefined when the body is not JSON. */
export async function readJsonBody(request: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const text = (await readBody(request)).toString('utf8') || '{}';
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Writes a JSON response. */
export function sendJson(
  response: ServerResponse,
  statusCode: number,
  body: unknown,
  contentType = 'application/json',
): void {
  const text = JSON.stringify(body);
  response.writeHead(statusCode, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/** Writes an AWS JSON-protocol error. */
export function sendAwsError(response: ServerResponse, error: AwsJsonError, contentType: string): void {
  sendJson(response, error.statusCode, { __type: error.type, message: error.message }, contentType);
}
