import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: SourceData): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

/** SHA-256 (or HMAC-SHA-256 with a secret) in the shape the Smithy signer expects. */
export class NodeSha256 {
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

/** A signer for `execute-api` requests, as a backend outside AWS would use (tests and demos). */
export function executeApiSigner(credentials: IamCredentials, region: string): SignatureV4 {
  return new SignatureV4({ credentials, region, service: 'execute-api', sha256: NodeSha256 });
}

const MAX_SKEW_MS = 15 * 60 * 1000;
/** A presigned URL may live at most 7 days (SigV4's limit). */
const MAX_PRESIGNED_SECONDS = 7 * 24 * 60 * 60;

/** A request as the HTTP server received it. */
export interface SignedRequest {
  readonly method: string;
  /** The path as sent (still percent-encoded). */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

/** The parts of a signature, from the Authorization header or from a presigned URL's query. */
interface SignatureParts {
  readonly accessKeyId: string;
  readonly scopeDate: string;
  readonly scopeRegion: string;
  readonly service: string;
  readonly signedHeaders: string[];
  readonly signature: string;
  readonly amzDate: string;
  /** Seconds a presigned URL stays valid; undefined for the header form. */
  readonly expiresIn?: number;
}

const CREDENTIAL = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/;

/** The key id and scope of a credential `AKID/20250101/region/service/aws4_request`; undefined if malformed. */
function credentialScope(
  credential: string,
): Pick<SignatureParts, 'accessKeyId' | 'scopeDate' | 'scopeRegion' | 'service'> | undefined {
  const match = CREDENTIAL.exec(credential);
  if (!match) return undefined;
  const [, accessKeyId, scopeDate, scopeRegion, service] = match as unknown as string[];
  return {
    accessKeyId: accessKeyId as string,
    scopeDate: scopeDate as string,
    scopeRegion: scopeRegion as string,
    service: service as string,
  };
}

function headerSignature(request: SignedRequest): SignatureParts | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match =
    /^AWS4-HMAC-SHA256 Credential=(\S+), ?SignedHeaders=([a-z0-9;._-]+), ?Signature=([0-9a-f]{64})$/.exec(
      String(header),
    );
  const scope = match && credentialScope(match[1] as string);
  if (!match || !scope) throw new SigV4Error('Malformed Authorization header');
  return {
    ...scope,
    signedHeaders: (match[2] as string).split(';'),
    signature: match[3] as string,
    amzDate: String(request.headers['x-amz-date'] ?? ''),
  };
}

function querySignature(request: SignedRequest): SignatureParts | undefined {
  const { query } = request;
  if (!query.has('X-Amz-Signature') && !query.has('X-Amz-Algorithm')) return undefined;
  const scope = credentialScope(query.get('X-Amz-Credential') ?? '');
  const signature = query.get('X-Amz-Signature') ?? '';
  const expiresIn = Number(query.get('X-Amz-Expires'));
  if (
    query.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256' ||
    !scope ||
    !/^[0-9a-f]{64}$/.test(signature) ||
    !/^[a-z0-9;._-]+$/.test(query.get('X-Amz-SignedHeaders') ?? '') ||
    !Number.isInteger(expiresIn) ||
    expiresIn < 1 ||
    expiresIn > MAX_PRESIGNED_SECONDS
  ) {
    throw new SigV4Error('Malformed presigned URL');
  }
  return {
    ...scope,
    signedHeaders: (query.get('X-Amz-SignedHeaders') as string).split(';'),
    signature,
    amzDate: query.get('X-Amz-Date') ?? '',
    expiresIn,
  };
}

/**
 * Checks the parts of an `execute-api` signature that need no body: a known access key (a long-term
 * key, so no session token), the scope
 * (service `execute-api`, this region, the signing day), the date (within 15 minutes; a presigned URL
 * until it expires) and a signed `host`. Throws {@link SigV4Error}; the HTTP API answers 403.
 */
export function checkSigV4Header(
  request: Omit<SignedRequest, 'body'>,
  credentials: IamCredentials,
  region: string,
  nowMs = Date.now(),
): void {
  signatureParts({ ...request, body: Buffer.alloc(0) }, credentials, region, nowMs);
}

function signatureParts(
  request: SignedRequest,
  credentials: IamCredentials,
  region: string,
  nowMs: number,
): SignatureParts & { signingDate: Date } {
  const parts = headerSignature(request) ?? querySignature(request);
  if (!parts) throw new SigV4Error('Missing Authorization header');
  if (parts.accessKeyId !== credentials.accessKeyId) throw new SigV4Error('Unknown access key');
  // A long-term key carries no session token: one sent with it belongs to no key (IAM refuses it).
  if (request.headers['x-amz-security-token'] !== undefined || request.query.has('X-Amz-Security-Token'))
    throw new SigV4Error('The security token included in the request is invalid');
  if (parts.scopeRegion !== region || parts.service !== 'execute-api')
    throw new SigV4Error('Credential scope does not match');
  const dateMatch = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(parts.amzDate);
  if (!dateMatch) throw new SigV4Error('Missing X-Amz-Date');
  if (parts.amzDate.slice(0, 8) !== parts.scopeDate)
    throw new SigV4Error('Credential scope date does not match X-Amz-Date');
  const [, y, mo, d, h, mi, s] = dateMatch.map(Number) as number[];
  const signingDate = new Date(Date.UTC(y as number, (mo as number) - 1, d, h, mi, s));
  const age = nowMs - signingDate.getTime();
  if (age < -MAX_SKEW_MS) throw new SigV4Error('Signature not yet current');
  if (age > (parts.expiresIn === undefined ? MAX_SKEW_MS : parts.expiresIn * 1000))
    throw new SigV4Error('Signature expired');
  // API Gateway requires the host to be signed; the header form must sign the date it relies on.
  if (!parts.signedHeaders.includes('host')) throw new SigV4Error('host must be a signed header');
  if (parts.expiresIn === undefined && !parts.signedHeaders.includes('x-amz-date'))
    throw new SigV4Error('x-amz-date must be a signed header');
  return { ...parts, signingDate };
}

/**
 * Checks an AWS Signature Version 4 on an HTTP API request the way API Gateway's IAM authorizer does,
 * in the Authorization header or in a presigned URL's query: {@link checkSigV4Header}'s checks, the
 * payload hash when `x-amz-content-sha256` is sent (API Gateway does not require it: curl and botocore
 * omit it), and a signature that matches the one Smithy's signer computes over exactly the headers the
 * client lists as signed, the path, the query and the body.
 */
export async function verifySigV4(
  request: SignedRequest,
  credentials: IamCredentials,
  region: string,
  nowMs = Date.now(),
): Promise<{ accessKeyId: string }> {
  const parts = signatureParts(request, credentials, region, nowMs);
  const contentHash = request.headers['x-amz-content-sha256'];
  if (contentHash !== undefined && contentHash !== createHash('sha256').update(request.body).digest('hex')) {
    throw new SigV4Error('x-amz-content-sha256 does not match the body');
  }
  const headers: Record<string, string> = {};
  for (const name of parts.signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) throw new SigV4Error(`Signed header ${name} is missing`);
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(request.query.keys())) {
    if (key === 'X-Amz-Signature' && parts.expiresIn !== undefined) continue;
    const values = request.query.getAll(key);
    query[key] = values.length === 1 ? (values[0] as string) : values;
  }
  const [hostname, port] = (headers.host ?? '').split(':');
  const toSign = {
    method: request.method,
    protocol: 'http:',
    hostname: hostname ?? '',
    ...(port ? { port: Number(port) } : {}),
    path: request.path,
    query,
    headers,
    body: request.body.length > 0 ? request.body : undefined,
  };
  const listed = new Set(parts.signedHeaders);
  // Exactly the client's headers: none added (no payload-hash header), none left out (even user-agent).
  const signer = new SignatureV4({
    credentials,
    region,
    service: 'execute-api',
    sha256: NodeSha256,
    applyChecksum: false,
  });
  let expected: string;
  if (parts.expiresIn === undefined) {
    const signed = await signer.sign(toSign, { signingDate: parts.signingDate, signableHeaders: listed });
    expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization))?.[1] ?? '';
  } else {
    const presigned = await signer.presign(toSign, {
      signingDate: parts.signingDate,
      expiresIn: parts.expiresIn,
      signableHeaders: listed,
      unhoistableHeaders: listed,
    });
    expected = String(presigned.query?.['X-Amz-Signature'] ?? '');
  }
  if (!timingSafeEqual(Buffer.from(expected.padEnd(64, '0').slice(0, 64)), Buffer.from(parts.signature))) {
    throw new SigV4Error('The request signature does not match');
  }
  return { accessKeyId: parts.accessKeyId };
}
