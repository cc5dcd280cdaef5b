/** Signs a driver in as a browser app does (code + PKCE), without a browser: the sign-in page's form, then the token endpoint. */
import { createHash, randomBytes } from 'node:crypto';
import type { Sandbox } from '../../sandbox/app/sandbox.ts';

/** The token endpoint's answer for `driverId` signing in through the driver app's client with `scope`. */
export async function webSignIn(
  sandbox: Sandbox,
  driverId: string,
  scope: string,
): Promise<Record<string, string>> {
  const { login, url: appUrl } = sandbox.driverApp;
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
