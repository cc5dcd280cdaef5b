import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeJwt } from '../../../sandbox/emulators/http-api/jwt-authorizer.ts';
import { LocalOidcProvider } from '../../../sandbox/emulators/http-api/oidc-provider.ts';

const APP = 'http://127.0.0.1:4020/';
const SUBJECT = { field: 'staffNo', label: 'Staff number', example: 'S-1', attribute: 'employee_id' };
let server: Server;
let issuer: string;
let provider: LocalOidcProvider;

const readBody = (request: IncomingMessage) =>
  new Promise<Buffer>((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
  });

beforeAll(async () => {
  server = createServer((request, response) => {
    void readBody(request).then(async (body) => {
      if (!(await provider.handle(request, response, body))) {
        response.writeHead(404);
        response.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oidc/idp.example/tenant`;
  provider = await LocalOidcProvider.create({
    issuerUrl: issuer,
    audience: 'api://orders',
    clients: [
      {
        clientId: 'spa',
        callbackUrls: [APP],
        logoutUrls: [APP],
        scopes: ['openid', 'orders.write'],
        accessTokenSeconds: 3600,
        refreshTokenSeconds: 43_200,
      },
    ],
    signInSubject: SUBJECT,
    directTokenScopes: ['orders.write'],
  });
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const VERIFIER = 'a-verifier-of-enough-length-for-pkce-0123456789-abcdefghij';
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url');
const AUTHORIZE = {
  client_id: 'spa',
  redirect_uri: APP,
  response_type: 'code',
  scope: 'openid orders.write',
  state: 'st',
  nonce: 'n-1',
  code_challenge: CHALLENGE,
  code_challenge_method: 'S256',
};

/** Signs `staffNo` in through the page's form; the redirect, and the session cookie it set. */
async function signIn(staffNo: string): Promise<{ response: Response; cookie: string }> {
  const response = await fetch(`${issuer}/authorize`, {
    method: 'POST',
    body: new URLSearchParams({ ...AUTHORIZE, staffNo }),
    redirect: 'manual',
  });
  return { response, cookie: (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '' };
}

async function exchange(redirect: Response): Promise<Record<string, string>> {
  const code = new URL(redirect.headers.get('location') ?? '').searchParams.get('code') ?? '';
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: 'spa',
      code,
      redirect_uri: APP,
      code_verifier: VERIFIER,
    }),
  });
  return (await response.json()) as Record<string, string>;
}

describe('sandbox OpenID Connect provider', () => {
  it('publishes a discovery document naming its endpoints and keys, readable from any origin', async () => {
    // Act
    const response = await fetch(`${issuer}/.well-known/openid-configuration`);
    const discovery = (await response.json()) as Record<string, string>;
    const keys = (await (await fetch(discovery.jwks_uri ?? '')).json()) as { keys: { kty: string }[] };

    // Assess
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(discovery).toMatchObject({
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      revocation_endpoint: `${issuer}/revoke`,
      end_session_endpoint: `${issuer}/logout`,
    });
    expect(keys.keys).toEqual([expect.objectContaining({ kty: 'RSA', alg: 'RS256', use: 'sig' })]);
  });

  it('issues for code + PKCE an RS256 access token with the name in the configured claim, a generated sub and no Cognito claim', async () => {
    // Prepare
    const { response } = await signIn('S-42');

    // Act
    const tokens = await exchange(response);
    const access = decodeJwt(tokens.access_token ?? '');
    const id = decodeJwt(tokens.id_token ?? '');

    // Assess
    expect(decodeProtectedHeader(tokens.access_token ?? '')).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });
    expect(access).toMatchObject({
      iss: issuer,
      aud: 'api://orders',
      scope: 'openid orders.write',
      employee_id: 'S-42',
    });
    expect(access.sub).toMatch(/^[0-9a-f-]{36}$/);
    expect(
      Object.keys(access).filter((claim) => /^(token_use|client_id|username|cognito:)/.test(claim)),
    ).toEqual([]);
    expect(id).toMatchObject({ aud: 'spa', nonce: 'n-1', preferred_username: 'S-42', sub: access.sub });
    expect(tokens.refresh_token).toBeTruthy();
    await expect(
      authorizeJwt(`Bearer ${tokens.access_token}`, {
        issuer,
        audiences: ['api://orders'],
        jwks: provider.jwks(),
        scopes: ['orders.write'],
      }),
    ).resolves.toMatchObject({ employee_id: 'S-42' });
  });

  it('signs a remembered browser in without a page, but asks again with prompt=login and after the session ended', async () => {
    // Prepare
    const { cookie, response } = await signIn('S-7');
    const idToken = (await exchange(response)).id_token ?? '';
    const authorize = (extra: Record<string, string> = {}) =>
      fetch(`${issuer}/authorize?${new URLSearchParams({ ...AUTHORIZE, ...extra })}`, {
        headers: { cookie },
        redirect: 'manual',
      });

    // Act
    const remembered = await authorize();
    const promptLogin = await authorize({ prompt: 'login' });
    const elsewhere = await fetch(
      `${issuer}/logout?${new URLSearchParams({ id_token_hint: idToken, post_logout_redirect_uri: 'https://attacker.example/' })}`,
      { headers: { cookie }, redirect: 'manual' },
    );
    const ended = await fetch(
      `${issuer}/logout?${new URLSearchParams({ id_token_hint: idToken, post_logout_redirect_uri: APP, state: 's2' })}`,
      { headers: { cookie }, redirect: 'manual' },
    );
    const afterEnd = await authorize();

    // Assess
    expect(remembered.status).toBe(302);
    expect(decodeJwt((await exchange(remembered)).access_token ?? '').employee_id).toBe('S-7');
    expect(promptLogin.status).toBe(200);
    expect(await promptLogin.text()).toContain('name="staffNo"');
    expect(elsewhere.status).toBe(400);
    expect(ended.status).toBe(302);
    expect(ended.headers.get('location')).toBe(`${APP}?state=s2`);
    expect(afterEnd.status).toBe(200);
    expect(provider.stats.sessionsEnded).toBe(1);
  });

  it('gives a direct access token with the configured scopes, and refuses a malformed name', async () => {
    // Act
    const direct = await fetch(`${issuer}/_sandbox/token`, {
      method: 'POST',
      body: JSON.stringify({ staffNo: 'S-9' }),
    });
    const malformed = await fetch(`${issuer}/_sandbox/token`, {
      method: 'POST',
      body: JSON.stringify({ staffNo: '../x' }),
    });

    // Assess
    const { token } = (await direct.json()) as { token: string };
    expect(decodeJwt(token)).toMatchObject({
      scope: 'orders.write',
      employee_id: 'S-9',
      aud: 'api://orders',
    });
    expect(malformed.status).toBe(400);
  });
});
