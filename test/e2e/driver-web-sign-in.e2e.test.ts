import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { useSandbox } from './harness.ts';

const e2e = useSandbox();

/** Signs `driverId` in through the sandbox's managed login as the web app does (code + PKCE), without a browser. */
async function webSignIn(driverId: string, scope: string): Promise<Record<string, string>> {
  const { login, url: appUrl } = e2e.sandbox.driverApp;
  const [client] = login.clients;
  if (!client) throw new Error('no web client');
  const verifier = randomBytes(32).toString('base64url');
  const redirectUri = `${appUrl}/`;
  const authorized = await fetch(login.endpoint('authorize'), {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({
      client_id: client.clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      driverId,
    }),
  });
  const code = new URL(authorized.headers.get('location') ?? '').searchParams.get('code') ?? '';
  const tokens = await fetch(login.endpoint('token'), {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: client.clientId,
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    }),
  });
  return (await tokens.json()) as Record<string, string>;
}

describe('the web app’s tokens on the verify route', () => {
  it('verifies with an access token from the web client’s code flow, which carries the verify scope it asked for', async () => {
    // Prepare
    const { code } = await e2e.readyForHandover('WEB-TOK-1', 'D-WEB-1');
    const tokens = await webSignIn('D-WEB-1', 'openid secure-delivery/verify');

    // Act
    const response = await e2e.client.verify('WEB-TOK-1', { code }, tokens.access_token);

    // Assess
    expect(decodeJwt(tokens.access_token ?? '')).toMatchObject({
      token_use: 'access',
      client_id: e2e.sandbox.driverApp.login.clients[0]?.clientId,
      scope: 'openid secure-delivery/verify',
    });
    expect(response.status).toBe(200);
    expect(response.body.code).toBe('VERIFIED');
  });

  it('refuses the web client’s ID token with 403, counting nothing', async () => {
    // Prepare
    const { code } = await e2e.readyForHandover('WEB-TOK-2', 'D-WEB-2');
    const tokens = await webSignIn('D-WEB-2', 'openid secure-delivery/verify');
    const before = await e2e.item('WEB-TOK-2');

    // Act
    const withIdToken = await e2e.client.verify('WEB-TOK-2', { code }, tokens.id_token);

    // Assess
    expect(decodeJwt(tokens.id_token ?? '')).toMatchObject({ token_use: 'id' });
    expect(withIdToken).toEqual({ status: 403, body: { message: 'Forbidden' } });
    expect(await e2e.item('WEB-TOK-2')).toEqual(before);
  });

  it('gives a managed-login token only the scopes its client asked for: one that asked only for openid cannot verify', async () => {
    // Prepare
    const { code } = await e2e.readyForHandover('WEB-TOK-3', 'D-WEB-3');
    const before = await e2e.item('WEB-TOK-3');

    // Act: even the right code
    const tokens = await webSignIn('D-WEB-3', 'openid');
    const answer = await e2e.client.verify('WEB-TOK-3', { code }, tokens.access_token ?? '');

    // Assess
    expect(String(decodeJwt(tokens.access_token ?? '').scope).split(' ')).toEqual(['openid']);
    expect(answer).toEqual({ status: 403, body: { message: 'Forbidden' } });
    expect(await e2e.item('WEB-TOK-3')).toEqual(before);
  });
});
