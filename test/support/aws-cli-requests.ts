/**
 * Requests exactly as the AWS CLI (botocore 1.43) sends them to `--endpoint-url`: the same method, path,
 * body and headers (`X-Amz-Target` and `application/x-amz-json-1.x` for the JSON protocol, a form body
 * for the query protocol, no body for a REST GET), signed as botocore signs them. Captured from the CLI
 * itself; the CI machine has no AWS CLI, so the tests send these shapes instead (docs/decisions.md).
 */
import { botocoreSign, type SigningKey } from './botocore-signer.ts';

/** An answer: its status, headers and body (parsed as JSON when it is JSON). */
export interface CliAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: Record<string, unknown>;
}

/** Where the CLI sends, and with which keys (`signed: false` is `--no-sign-request`). */
export interface CliTarget {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly signed?: boolean;
}

async function send(
  target: CliTarget,
  service: string,
  request: { method: string; path: string; headers: Record<string, string>; body?: string },
): Promise<CliAnswer> {
  const url = `${target.endpoint}${request.path}`;
  const key: SigningKey = { ...target.credentials, region: target.region, service };
  const headers =
    target.signed === false
      ? request.headers
      : botocoreSign(key, {
          method: request.method,
          url,
          headers: request.headers,
          ...(request.body === undefined ? {} : { body: request.body }),
        });
  const response = await fetch(url, {
    method: request.method,
    headers: { ...headers, 'User-Agent': 'aws-cli/1.45.11 md/Botocore#1.43.11 botocore/1.43.11' },
    ...(request.body === undefined ? {} : { body: request.body }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // XML or HTML: read `text`
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** A JSON-protocol call (`aws dynamodb list-tables`): POST / with X-Amz-Target, signed for `service`. */
export function cliJson(
  target: CliTarget,
  service: string,
  operation: { readonly target: string; readonly version: '1.0' | '1.1'; readonly body?: unknown },
): Promise<CliAnswer> {
  return send(target, service, {
    method: 'POST',
    path: '/',
    headers: {
      'X-Amz-Target': operation.target,
      'Content-Type': `application/x-amz-json-${operation.version}`,
    },
    body: JSON.stringify(operation.body ?? {}),
  });
}

/** A query-protocol call (`aws ses list-identities`, `aws sts get-caller-identity`): a form POST to /. */
export function cliQuery(
  target: CliTarget,
  service: string,
  parameters: Record<string, string>,
): Promise<CliAnswer> {
  return send(target, service, {
    method: 'POST',
    path: '/',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: new URLSearchParams(parameters).toString(),
  });
}

/** A REST call without a body (`aws sesv2 list-email-identities`, `aws s3 ls`). */
export function cliRest(
  target: CliTarget,
  service: string,
  method: string,
  path: string,
): Promise<CliAnswer> {
  return send(target, service, { method, path, headers: {} });
}
