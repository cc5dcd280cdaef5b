import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from './http-api/sigv4.ts';
import type { PolicyDocument } from './iam-policies.ts';

/** Who signed a request: a role's session (a function of the template) or an IAM user outside it. */
export type Caller =
  | { readonly kind: 'role'; readonly roleId: string; readonly principal: string }
  | {
      readonly kind: 'user';
      readonly userName: string;
      /** `arn:aws:iam::<account>:user/<name>`. */
      readonly principal: string;
      /** The user's one identity policy. */
      readonly policy: PolicyDocument;
    };

/** An access key the sandbox issued, with its secret, its session token (role sessions only) and owner. */
export interface IssuedKey {
  readonly secretAccessKey: string;
  /** Role-session keys carry one; long-term user keys never do. */
  readonly sessionToken?: string;
  readonly caller: Caller;
}

/** Why a request is refused before any policy is read, as AWS's front doors refuse it. */
export type AuthenticationFailure =
  /** No signature at all. */
  | 'MissingAuthenticationToken'
  /** An Authorization header that is no complete SigV4 header. */
  | 'IncompleteSignature'
  /** An access key nobody issued, or a session token that does not belong to the key. */
  | 'UnrecognizedClient'
  /** The signature does not match, or its date is outside AWS's 15 minutes. */
  | 'InvalidSignature';

/** A refused request: the failure and AWS's words for it. */
export interface AuthenticationRefusal {
  readonly failure: AuthenticationFailure;
  readonly message: string;
}

/** What a signature says about a request: who signed it and for which service (the credential scope). */
export interface SignatureScope {
  readonly accessKeyId: string;
  readonly service: string;
  readonly region: string;
}

const HEADER =
  /^AWS4-HMAC-SHA256 Credential=([^/\s,]+)\/(\d{8})\/([^/\s,]+)\/([^/\s,]+)\/aws4_request, ?SignedHeaders=([a-z0-9;._-]+), ?Signature=([0-9a-f]{64})$/;

/** AWS's words for each failure (the same in every protocol). */
export const AUTHENTICATION_MESSAGES = {
  MissingAuthenticationToken: 'Request is missing Authentication Token',
  UnrecognizedClient: 'The security token included in the request is invalid.',
  InvalidSignature:
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
} as const;

/** SigV4's allowed clock skew between the signer and the service. */
const MAX_SKEW_MS = 15 * 60 * 1000;

/** The access key and credential scope of a request's SigV4 Authorization header; undefined when unsigned or malformed. */
export function signatureScopeOf(request: Pick<IncomingMessage, 'headers'>): SignatureScope | undefined {
  const match = HEADER.exec(String(request.headers.authorization ?? ''));
  if (!match) return undefined;
  return { accessKeyId: match[1] as string, region: match[3] as string, service: match[4] as string };
}

/** Whether the request carries any Authorization header (well-formed or not). */
export function isSigned(request: Pick<IncomingMessage, 'headers'>): boolean {
  return request.headers.authorization !== undefined;
}

const amzDateOf = (text: string): Date | undefined => {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  return new Date(Date.UTC(y as number, (mo as number) - 1, d, h, mi, s));
};

const compactDate = (date: Date) => date.toISOString().replace(/[-:]|\.\d{3}/g, '');

/**
 * Authenticates a request as AWS's front doors do, before any policy: a complete SigV4 Authorization
 * header, an access key the sandbox issued (`keys`), the session token that belongs to it (a long-term
 * key carries none), a date within 15 minutes, and a signature Smithy's signer recomputes over exactly
 * the headers the client signed and the body. Returns the caller, or the refusal.
 */
export async function authenticate(
  request: IncomingMessage,
  body: Buffer,
  keys: (accessKeyId: string) => IssuedKey | undefined,
  nowMs = Date.now(),
): Promise<{ readonly caller: Caller } | AuthenticationRefusal> {
  const authorization = request.headers.authorization;
  if (authorization === undefined)
    return {
      failure: 'MissingAuthenticationToken',
      message: AUTHENTICATION_MESSAGES.MissingAuthenticationToken,
    };
  const match = HEADER.exec(String(authorization));
  if (!match)
    return {
      failure: 'IncompleteSignature',
      message: `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters (AWS4-HMAC-SHA256).`,
    };
  const [, accessKeyId, scopeDate, region, service, signedList, signature] = match as unknown as string[];
  const key = keys(accessKeyId as string);
  const token = request.headers['x-amz-security-token'];
  if (!key || (token === undefined ? key.sessionToken !== undefined : token !== key.sessionToken))
    return { failure: 'UnrecognizedClient', message: AUTHENTICATION_MESSAGES.UnrecognizedClient };
  const amzDate = String(request.headers['x-amz-date'] ?? '');
  const signingDate = amzDateOf(amzDate);
  if (!signingDate || amzDate.slice(0, 8) !== scopeDate)
    return {
      failure: 'InvalidSignature',
      message: `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    };
  const skew = nowMs - signingDate.getTime();
  if (Math.abs(skew) > MAX_SKEW_MS) {
    const bound = compactDate(new Date(nowMs + (skew > 0 ? -MAX_SKEW_MS : MAX_SKEW_MS)));
    return {
      failure: 'InvalidSignature',
      message:
        skew > 0
          ? `Signature expired: ${amzDate} is now earlier than ${bound} (${compactDate(new Date(nowMs))} - 15 min.)`
          : `Signature not yet current: ${amzDate} is still later than ${bound} (${compactDate(new Date(nowMs))} + 15 min.)`,
    };
  }
  // The signature covers the payload's hash: a hash header that is not the body's is no signature of it.
  const contentHash = request.headers['x-amz-content-sha256'];
  if (contentHash !== undefined && contentHash !== createHash('sha256').update(body).digest('hex'))
    return { failure: 'InvalidSignature', message: AUTHENTICATION_MESSAGES.InvalidSignature };
  const expected = await expectedSignature(request, body, {
    key,
    accessKeyId: accessKeyId as string,
    region: region as string,
    service: service as string,
    signedHeaders: (signedList as string).split(';'),
    signingDate,
  });
  const valid =
    expected.length === signature?.length && timingSafeEqual(Buffer.from(expected), Buffer.from(signature));
  if (!valid) return { failure: 'InvalidSignature', message: AUTHENTICATION_MESSAGES.InvalidSignature };
  return { caller: key.caller };
}

/** The signature the key's owner would have computed over this request. */
async function expectedSignature(
  request: IncomingMessage,
  body: Buffer,
  signing: {
    readonly key: IssuedKey;
    readonly accessKeyId: string;
    readonly region: string;
    readonly service: string;
    readonly signedHeaders: readonly string[];
    readonly signingDate: Date;
  },
): Promise<string> {
  const url = new URL(request.url ?? '/', `http://${request.headers.host ?? '127.0.0.1'}`);
  const headers = Object.fromEntries(
    signing.signedHeaders.map((name) => [name, [request.headers[name] ?? ''].flat().join(',')]),
  );
  const query: Record<string, string | string[]> = {};
  for (const name of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(name);
    query[name] = values.length === 1 ? (values[0] as string) : values;
  }
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: signing.accessKeyId,
      secretAccessKey: signing.key.secretAccessKey,
      ...(signing.key.sessionToken === undefined ? {} : { sessionToken: signing.key.sessionToken }),
    },
    region: signing.region,
    service: signing.service,
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: request.method ?? 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers,
      body,
    },
    { signingDate: signing.signingDate, signableHeaders: new Set(signing.signedHeaders) },
  );
  return /Signature=([0-9a-f]+)/.exec(String(signed.headers.authorization ?? ''))?.[1] ?? '';
}

/** The policy of an account administrator: every action on every resource. */
export const ADMINISTRATOR_POLICY: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};
