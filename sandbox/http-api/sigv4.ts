import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

/** SHA-256 (or HMAC-SHA-256 with a secret) in the shape the Smithy signer expects. */
type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: SourceData): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

class NodeSha256 {
  private hash: { update(data: string | Uint8Array): unknown; digest(): Buffer };
  constructor(secret?: SourceData) {
    this.hash = secret ? createHmac('sha256', bytes(secret)) : createHash('sha256');
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    throw new Error('not supported');
  }
}

/** Static credentials the sandbox accepts for IAM-authorized routes. */
export interface IamCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** A request refused by the IAM authorizer (API Gateway answers 403). */
export class SigV4Error extends Error {
  override readonly name = 'SigV4Error';
}

/** A signer for `execute-api` requests, as a shop backend would use (tests and demos). */
export function executeApiSigner(credentials: IamCredentials, region: string): SignatureV4 {
  return new SignatureV4({ credentials, region, service: 'execute-api', sha256: NodeSha256 });
}

const MAX_SKEW_MS = 15 * 60 * 1000;

/**
 * Checks an AWS Signature Version 4 on an HTTP API request the way API Gateway's IAM authorizer does:
 * known access key, `execute-api` scope in this region, a date within 15 minutes, and a signature that
 * matches the one recomputed over the signed headers, path, query and body.
 */
export async function verifySigV4(
  request: {
    method: string;
    path: string;
    query: URLSearchParams;
    headers: Record<string, string | string[] | undefined>;
    body: Buffer;
  },
  credentials: IamCredentials,
  region: string,
  nowMs = Date.now(),
): Promise<{ accessKeyId: string }> {
  const header = String(request.headers.authorization ?? '');
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(
      header,
    );
  if (!match) throw new SigV4Error('Missing or malformed Authorization header');
  const [, accessKeyId, , scopeRegion, service, signedHeaderList, signature] = match as unknown as string[];
  if (accessKeyId !== credentials.accessKeyId) throw new SigV4Error('Unknown access key');
  if (scopeRegion !== region || service !== 'execute-api')
    throw new SigV4Error('Credential scope does not match');
  const amzDate = String(request.headers['x-amz-date'] ?? '');
  const dateMatch = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!dateMatch) throw new SigV4Error('Missing X-Amz-Date');
  const [, y, mo, d, h, mi, s] = dateMatch.map(Number) as number[];
  const signingDate = new Date(Date.UTC(y as number, (mo as number) - 1, d, h, mi, s));
  if (Math.abs(nowMs - signingDate.getTime()) > MAX_SKEW_MS) throw new SigV4Error('Signature expired');

  const signedHeaders = (signedHeaderList as string).split(';');
  // API Gateway requires the host to be signed and the payload hash, when sent, to be the body's.
  if (!signedHeaders.includes('host')) throw new SigV4Error('host must be a signed header');
  const contentHash = request.headers['x-amz-content-sha256'];
  if (contentHash !== undefined && contentHash !== createHash('sha256').update(request.body).digest('hex')) {
    throw new SigV4Error('x-amz-content-sha256 does not match the body');
  }
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) throw new SigV4Error(`Signed header ${name} is missing`);
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const host = headers.host ?? '';
  const [hostname, port] = host.split(':');
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(request.query.keys())) {
    const values = request.query.getAll(key);
    query[key] = values.length === 1 ? (values[0] as string) : values;
  }
  const signed = await executeApiSigner(credentials, region).sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: hostname ?? '',
      ...(port ? { port: Number(port) } : {}),
      path: request.path,
      query,
      headers,
      body: request.body.length > 0 ? request.body : undefined,
    },
    { signingDate },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization))?.[1] ?? '';
  if (!timingSafeEqual(Buffer.from(expected.padEnd(64, '0')), Buffer.from(signature as string))) {
    throw new SigV4Error('The request signature does not match');
  }
  return { accessKeyId: accessKeyId as string };
}
