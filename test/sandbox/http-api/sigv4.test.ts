import { describe, expect, it } from 'vitest';
import { executeApiSigner, SigV4Error, verifySigV4 } from '../../../sandbox/http-api/sigv4.ts';

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
