import { describe, expect, it } from 'vitest';
import { executeApiSigner, SigV4Error, verifySigV4 } from '../../../sandbox/emulators/http-api/sigv4.ts';
import { botocorePresign, botocoreSign } from '../../support/botocore-signer.ts';

const CREDENTIALS = { accessKeyId: 'AKIATEST', secretAccessKey: 'secret' };
const REGION = 'eu-central-1';

/** Signs a request the way the shop backend does and returns what the server would receive. */
async function signed(
  options: { body?: string; credentials?: typeof CREDENTIALS; headers?: Record<string, string> } = {},
) {
  const body = options.body ?? '';
  const request = await executeApiSigner(options.credentials ?? CREDENTIALS, REGION).sign({
    method: 'POST',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: 4000,
    path: '/parcels/P-1/otp/resend',
    query: {},
    headers: { host: '127.0.0.1:4000', 'x-recipient-email': 'a@example.com', ...options.headers },
    body: body || undefined,
  });
  return {
    method: 'POST',
    path: '/parcels/P-1/otp/resend',
    query: new URLSearchParams(),
    headers: request.headers as Record<string, string>,
    body: Buffer.from(body),
  };
}

describe('verifySigV4 (the sandbox IAM authorizer)', () => {
  it('accepts a request signed with the known key', async () => {
    const request = await signed({ body: '{}' });

    await expect(verifySigV4(request, CREDENTIALS, REGION)).resolves.toEqual({ accessKeyId: 'AKIATEST' });
  });

  it('refuses a request signed with another secret', async () => {
    const request = await signed({ credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'guess' } });

    await expect(verifySigV4(request, CREDENTIALS, REGION)).rejects.toThrow(SigV4Error);
  });

  it('refuses a signed header changed after signing', async () => {
    const request = await signed();
    request.headers['x-recipient-email'] = 'someone-else@example.com';

    await expect(verifySigV4(request, CREDENTIALS, REGION)).rejects.toThrow('signature does not match');
  });

  it('refuses a body that does not match the signed payload hash', async () => {
    const request = await signed({
      body: '{"a":1}',
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    });

    await expect(verifySigV4(request, CREDENTIALS, REGION)).rejects.toThrow('does not match the body');
  });

  it('refuses a signature made more than 15 minutes ago', async () => {
    const request = await signed();

    await expect(verifySigV4(request, CREDENTIALS, REGION, Date.now() + 16 * 60_000)).rejects.toThrow(
      'expired',
    );
  });

  it('refuses an unsigned request', async () => {
    const request = await signed();
    delete request.headers.authorization;

    await expect(verifySigV4(request, CREDENTIALS, REGION)).rejects.toThrow('Authorization');
  });
});

/** What the server receives for `url` sent with `headers` (Node lowercases header names). */
function received(method: string, url: string, headers: Record<string, string>, body = '') {
  const parsed = new URL(url);
  return {
    method,
    path: parsed.pathname,
    query: parsed.searchParams,
    headers: Object.fromEntries([
      ['host', parsed.host],
      ...Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
    ]) as Record<string, string>,
    body: Buffer.from(body),
  };
}

const URL_TRACK = 'http://127.0.0.1:4000/parcels/P-1/otp';
const KEY = { ...CREDENTIALS, region: REGION };

describe('verifySigV4 with other clients than the JS SDK', () => {
  it('accepts a botocore-shaped request that signs no x-amz-content-sha256', async () => {
    const headers = botocoreSign(KEY, {
      method: 'POST',
      url: `${URL_TRACK}/resend`,
      headers: { 'X-Recipient-Email': 'a@example.com', 'Content-Type': 'application/json' },
      body: '{}',
    });

    const request = received(
      'POST',
      `${URL_TRACK}/resend`,
      { ...headers, 'User-Agent': 'Botocore/1.31' },
      '{}',
    );

    await expect(verifySigV4(request, CREDENTIALS, REGION)).resolves.toEqual({ accessKeyId: 'AKIATEST' });
  });

  it('refuses a botocore-shaped request whose body changed after signing', async () => {
    const headers = botocoreSign(KEY, { method: 'POST', url: `${URL_TRACK}/resend`, body: '{}' });

    const request = received('POST', `${URL_TRACK}/resend`, headers, '{"x":1}');

    await expect(verifySigV4(request, CREDENTIALS, REGION)).rejects.toThrow('signature does not match');
  });

  it('accepts a presigned URL made as botocore makes it, until it expires', async () => {
    const signedAt = new Date();
    const url = botocorePresign(KEY, 'GET', URL_TRACK, 300, signedAt);

    const request = received('GET', url, { 'x-recipient-email': 'a@example.com' });

    await expect(verifySigV4(request, CREDENTIALS, REGION, signedAt.getTime() + 299_000)).resolves.toEqual({
      accessKeyId: 'AKIATEST',
    });
    await expect(verifySigV4(request, CREDENTIALS, REGION, signedAt.getTime() + 301_000)).rejects.toThrow(
      'expired',
    );
  });

  it('accepts a URL presigned by the JS SDK signer with a signed header', async () => {
    const presigned = await executeApiSigner(CREDENTIALS, REGION).presign(
      {
        method: 'GET',
        protocol: 'http:',
        hostname: '127.0.0.1',
        port: 4000,
        path: '/parcels/P-1/otp',
        query: {},
        headers: { host: '127.0.0.1:4000', 'x-recipient-email': 'a@example.com' },
      },
      { expiresIn: 60 },
    );
    const query = new URLSearchParams(presigned.query as Record<string, string>);

    const request = received('GET', `${URL_TRACK}?${query}`, { 'x-recipient-email': 'a@example.com' });
    const tampered = received('GET', `${URL_TRACK}?${query}`, { 'x-recipient-email': 'b@example.com' });

    await expect(verifySigV4(request, CREDENTIALS, REGION)).resolves.toEqual({ accessKeyId: 'AKIATEST' });
    await expect(verifySigV4(tampered, CREDENTIALS, REGION)).rejects.toThrow('signature does not match');
  });

  it('refuses a presigned URL whose signature was changed', async () => {
    const url = botocorePresign(KEY, 'GET', URL_TRACK).replace(
      /X-Amz-Signature=(.)/,
      (_, first: string) => `X-Amz-Signature=${first === '0' ? '1' : '0'}`,
    );

    await expect(verifySigV4(received('GET', url, {}), CREDENTIALS, REGION)).rejects.toThrow(
      'signature does not match',
    );
  });

  it('refuses a signature that does not sign the host', async () => {
    const headers = botocoreSign(KEY, { method: 'GET', url: URL_TRACK });
    const withoutHost = {
      ...headers,
      Authorization: headers.Authorization?.replace('SignedHeaders=host;', 'SignedHeaders='),
    } as Record<string, string>;

    await expect(verifySigV4(received('GET', URL_TRACK, withoutHost), CREDENTIALS, REGION)).rejects.toThrow(
      'host',
    );
  });
});
