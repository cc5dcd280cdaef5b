import { randomUUID } from 'node:crypto';
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

/** How an AWS service frames its requests and errors. */
export type AwsProtocol = 'json-1.0' | 'json-1.1' | 'query' | 'rest-json' | 'rest-xml';

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** An XML error as the query protocol (SES v1, STS, SNS, SQS) sends it, with the service's namespace. */
export function queryErrorBody(code: string, message: string, namespace?: string): string {
  const xmlns = namespace ? ` xmlns="${namespace}"` : '';
  return `<ErrorResponse${xmlns}><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
}

/** Writes an error in the protocol's shape: JSON `__type`, query or REST-XML `<Error>`, REST-JSON `x-amzn-errortype`. */
export function sendProtocolError(
  response: ServerResponse,
  protocol: AwsProtocol,
  error: AwsJsonError,
  namespace?: string,
): void {
  if (protocol === 'json-1.0' || protocol === 'json-1.1') {
    sendAwsError(response, error, `application/x-amz-${protocol}`);
    return;
  }
  if (protocol === 'rest-json') {
    const text = JSON.stringify({ message: error.message });
    response.writeHead(error.statusCode, {
      'content-type': 'application/json',
      'x-amzn-errortype': error.type,
      'content-length': Buffer.byteLength(text),
    });
    response.end(text);
    return;
  }
  const text =
    protocol === 'query'
      ? queryErrorBody(error.type, error.message, namespace)
      : `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${error.type}</Code><Message>${escapeXml(error.message)}</Message><RequestId>${randomUUID()}</RequestId></Error>`;
  response.writeHead(error.statusCode, {
    'content-type': 'text/xml',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}
