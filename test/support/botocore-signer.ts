/**
 * SigV4 as botocore (Python's AWS SDK, the AWS CLI) computes it for `execute-api`, written from the SigV4
 * specification independently of the Smithy signer the sandbox verifies with: every header signed except
 * botocore's exclusions (`expect`, `user-agent`, `x-amzn-trace-id`), no `x-amz-content-sha256` header, the
 * payload hash over the body, the path quoted with `/~` safe. `presign` follows botocore's SigV4QueryAuth.
 */
import { createHash, createHmac } from 'node:crypto';

/** Credentials and scope of a signature. */
export interface SigningKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
  readonly service?: string;
}

const NOT_SIGNED = new Set(['expect', 'user-agent', 'x-amzn-trace-id']);

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/** RFC 3986 quoting as Python's `urllib.parse.quote(value, safe)`. */
function quote(value: string, safe: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((byte) => {
      const char = String.fromCharCode(byte);
      return /[A-Za-z0-9_.~-]/.test(char) || safe.includes(char)
        ? char
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

const amzDate = (date: Date): string =>
  date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

function signature(
  key: SigningKey,
  date: string,
  canonicalRequest: string,
): { scope: string; signature: string } {
  const scope = `${date.slice(0, 8)}/${key.region}/${key.service ?? 'execute-api'}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', date, scope, sha256(canonicalRequest)].join('\n');
  let signingKey: Buffer = hmac(`AWS4${key.secretAccessKey}`, date.slice(0, 8));
  for (const part of [key.region, key.service ?? 'execute-api', 'aws4_request'])
    signingKey = hmac(signingKey, part);
  return { scope, signature: createHmac('sha256', signingKey).update(stringToSign).digest('hex') };
}

function canonicalQuery(query: URLSearchParams): string {
  return [...query.entries()]
    .map(([name, value]) => [quote(name, ''), quote(value, '')] as const)
    .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

/** Signs a request as botocore's SigV4Auth does; returns the headers to send (with Authorization). */
export function botocoreSign(
  key: SigningKey,
  request: { method: string; url: string; headers?: Record<string, string>; body?: string },
  now = new Date(),
): Record<string, string> {
  const url = new URL(request.url);
  const date = amzDate(now);
  const headers: Record<string, string> = {
    ...request.headers,
    'X-Amz-Date': date,
  };
  const signed = new Map<string, string>([['host', url.host]]);
  for (const [name, value] of Object.entries(headers)) {
    if (!NOT_SIGNED.has(name.toLowerCase()))
      signed.set(name.toLowerCase(), value.trim().replace(/\s+/g, ' '));
  }
  const names = [...signed.keys()].sort();
  const canonicalRequest = [
    request.method,
    quote(url.pathname, '/~'),
    canonicalQuery(url.searchParams),
    ...names.map((name) => `${name}:${signed.get(name)}`),
    '',
    names.join(';'),
    sha256(request.body ?? ''),
  ].join('\n');
  const result = signature(key, date, canonicalRequest);
  return {
    ...headers,
    Authorization: `AWS4-HMAC-SHA256 Credential=${key.accessKeyId}/${result.scope}, SignedHeaders=${names.join(';')}, Signature=${result.signature}`,
  };
}

/** A presigned URL as botocore's SigV4QueryAuth makes it (only `host` signed; body hash of no body). */
export function botocorePresign(
  key: SigningKey,
  method: string,
  rawUrl: string,
  expiresSeconds = 300,
  now = new Date(),
): string {
  const url = new URL(rawUrl);
  const date = amzDate(now);
  const scope = `${date.slice(0, 8)}/${key.region}/${key.service ?? 'execute-api'}/aws4_request`;
  url.searchParams.set('X-Amz-Algorithm', 'AWS4-HMAC-SHA256');
  url.searchParams.set('X-Amz-Credential', `${key.accessKeyId}/${scope}`);
  url.searchParams.set('X-Amz-Date', date);
  url.searchParams.set('X-Amz-Expires', String(expiresSeconds));
  url.searchParams.set('X-Amz-SignedHeaders', 'host');
  const canonicalRequest = [
    method,
    quote(url.pathname, '/~'),
    canonicalQuery(url.searchParams),
    `host:${url.host}`,
    '',
    'host',
    sha256(''),
  ].join('\n');
  const result = signature(key, date, canonicalRequest);
  return `${url.origin}${url.pathname}?${canonicalQuery(url.searchParams)}&X-Amz-Signature=${result.signature}`;
}
