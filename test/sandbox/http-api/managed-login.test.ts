import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVER_SIGN_IN } from '../../../sandbox/app/settings.ts';
import { applyCors } from '../../../sandbox/emulators/http-api/cors.ts';
import { LocalJwtIssuer } from '../../../sandbox/emulators/http-api/jwt-issuer.ts';
import { LocalManagedLogin } from '../../../sandbox/emulators/http-api/managed-login.ts';

const APP = 'http://127.0.0.1:4020/';
let server: Server;
let base: string;
let login: LocalManagedLogin;

const readBody = (request: IncomingMessage) =>
  new Promise<Buffer>((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
  });

beforeAll(async () => {
  server = createServer((request, response) => {
    void readBody(request).then(async (body) => {
      if (!(await login.handle(request, response, body))) {
        response.writeHead(404);
        response.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = await LocalJwtIssuer.create({
    issuerUrl: `${base}/cognito/pool`,
    audience: 'handheld',
    signInSubject: DRIVER_SIGN_IN,
  });
  login = new LocalManagedLogin(issuer, `${base}/managed-login/drivers`, [
    {
      clientId: 'web',
      callbackUrls: [APP],
      logoutUrls: [APP],
      scopes: ['openid', 'secure-delivery/verify'],
      accessTokenSeconds: 3600,
      refreshTokenSeconds: 43_200,
    },
  ]);
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const VERIFIER = 'a-verifier-of-enough-length-for-pkce-0123456789-abcdefghij';
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url');

/** Signs `driverId` in through the authorize form and returns the code from the redirect. */
async function authorize(overrides: Record<string, string> = {}): Promise<Response> {
  const form = new URLSearchParams({
    client_id: 'web',
    redirect_uri: APP,
    response_type: 'code',
    scope: 'openid secure-delivery/verify',
    state: 'st',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    driverId: 'D-1',
    ...overrides,
  });
  return fetch(`${base}/managed-login/drivers/oauth2/authorize`, {
    method: 'POST',
    body: form,
    redirect: 'manual',
  });
}

async function codeFrom(response: Response): Promise<string> {
  const location = new URL(response.headers.get('location') ?? '');
  return location.searchParams.get('code') ?? '';
}

const token = (fields: Record<string, string>) =>
  fetch(`${base}/managed-login/drivers/oauth2/token`, {
    method: 'POST',
    headers: { origin: 'http://127.0.0.1:4020' },
    body: new URLSearchParams({ client_id: 'web', ...fields }),
  });

describe('sandbox managed login', () => {
  it('exchanges a code with the right PKCE verifier for Cognito-shaped tokens carrying the requested scope', async () => {
    // Prepare
    const redirect = await authorize();

    // Act
    const response = await token({
      grant_type: 'authorization_code',
      code: await codeFrom(redirect),
      redirect_uri: APP,
      code_verifier: VERIFIER,
    });
    const body = (await response.json()) as Record<string, string>;

    // Assess
    expect(redirect.status).toBe(302);
    expect(new URL(redirect.headers.get('location') ?? '').searchParams.get('state')).toBe('st');
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:4020');
    expect(decodeJwt(body.access_token ?? '')).toMatchObject({
      token_use: 'access',
      client_id: 'web',
      scope: 'openid secure-delivery/verify',
      username: 'D-1',
    });
    expect(decodeJwt(body.access_token ?? '').aud).toBeUndefined();
    expect(decodeJwt(body.id_token ?? '')).toMatchObject({
      token_use: 'id',
      aud: 'web',
      'cognito:username': 'D-1',
      'custom:driver_id': 'D-1',
    });
    expect(decodeJwt(body.id_token ?? '').sub).toBe(decodeJwt(body.access_token ?? '').sub);
    expect(body.refresh_token).toBeTruthy();
  });

  it('refuses a code with the wrong verifier, and a code used twice', async () => {
    // Prepare
    const code = await codeFrom(await authorize());

    // Act
    const wrong = await token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: APP,
      code_verifier: `${VERIFIER}x`,
    });
    const again = await token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: APP,
      code_verifier: VERIFIER,
    });

    // Assess
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toEqual({ error: 'invalid_grant' });
    expect(again.status).toBe(400);
  });

  it('refuses a redirect URI that is not a callback URL, a scope the client lacks, and a plain PKCE challenge', async () => {
    // Act
    const elsewhere = await authorize({ redirect_uri: 'https://attacker.example/' });
    const scope = await authorize({ scope: 'openid aws.cognito.signin.user.admin' });
    const plain = await authorize({ code_challenge_method: 'plain' });

    // Assess
    for (const response of [elsewhere, scope, plain]) {
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
    }
  });

  it('refreshes with the refresh token keeping auth_time, and not after the driver is signed out everywhere', async () => {
    // Prepare
    const first = (await (
      await token({
        grant_type: 'authorization_code',
        code: await codeFrom(await authorize({ driverId: 'D-2' })),
        redirect_uri: APP,
        code_verifier: VERIFIER,
      })
    ).json()) as Record<string, string>;

    // Act
    const refreshed = (await (
      await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token ?? '' })
    ).json()) as Record<string, string>;
    login.globalSignOut('D-2');
    const afterSignOut = await token({
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token ?? '',
    });

    // Assess
    expect(decodeJwt(refreshed.id_token ?? '').auth_time).toBe(decodeJwt(first.id_token ?? '').auth_time);
    expect(refreshed.refresh_token).toBeUndefined();
    expect(afterSignOut.status).toBe(400);
  });

  it('signs out only to a registered sign-out URL', async () => {
    // Act
    const registered = await fetch(
      `${base}/managed-login/drivers/logout?client_id=web&logout_uri=${encodeURIComponent(APP)}`,
      { redirect: 'manual' },
    );
    const other = await fetch(
      `${base}/managed-login/drivers/logout?client_id=web&logout_uri=${encodeURIComponent('https://attacker.example/')}`,
      { redirect: 'manual' },
    );

    // Assess
    expect(registered.status).toBe(302);
    expect(registered.headers.get('location')).toBe(APP);
    expect(other.status).toBe(400);
  });

  it('remembers a sign-in for the browser: a later authorize signs in without a page, unless it asks prompt=login', async () => {
    // Prepare
    const signedIn = await authorize({ driverId: 'D-SESSION-1' });
    const cookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const query = new URLSearchParams({
      client_id: 'web',
      redirect_uri: APP,
      response_type: 'code',
      scope: 'openid secure-delivery/verify',
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
    });
    const authorizeUrl = `${base}/managed-login/drivers/oauth2/authorize`;

    // Act
    const again = await fetch(`${authorizeUrl}?${query}`, { headers: { cookie }, redirect: 'manual' });
    const promptLogin = await fetch(`${authorizeUrl}?${query}&prompt=login`, {
      headers: { cookie },
      redirect: 'manual',
    });
    const otherBrowser = await fetch(`${authorizeUrl}?${query}`, { redirect: 'manual' });

    // Assess
    expect(cookie).toMatch(/^cognito=./);
    expect(signedIn.headers.get('set-cookie')).toContain('HttpOnly');
    expect(again.status).toBe(302);
    const tokens = (await (
      await token({
        grant_type: 'authorization_code',
        code: await codeFrom(again),
        redirect_uri: APP,
        code_verifier: VERIFIER,
      })
    ).json()) as Record<string, string>;
    expect(decodeJwt(tokens.access_token ?? '').username).toBe('D-SESSION-1');
    expect(promptLogin.status).toBe(200);
    expect(await promptLogin.text()).toContain('name="driverId"');
    expect(otherBrowser.status).toBe(200);
  });

  it('forgets the session at sign-out: the next authorize asks for credentials again', async () => {
    // Prepare
    const signedIn = await authorize({ driverId: 'D-SESSION-2' });
    const cookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const query = new URLSearchParams({
      client_id: 'web',
      redirect_uri: APP,
      response_type: 'code',
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
    });

    // Act
    const signedOut = await fetch(
      `${base}/managed-login/drivers/logout?client_id=web&logout_uri=${encodeURIComponent(APP)}`,
      { headers: { cookie }, redirect: 'manual' },
    );
    const next = await fetch(`${base}/managed-login/drivers/oauth2/authorize?${query}`, {
      headers: { cookie },
      redirect: 'manual',
    });

    // Assess
    expect(signedOut.status).toBe(302);
    expect(signedOut.headers.get('set-cookie')).toMatch(/^cognito=;.*Max-Age=0/);
    expect(next.status).toBe(200);
    expect(await next.text()).toContain('name="driverId"');
  });

  it('names the domain’s endpoints in the issuer’s discovery document, readable from any origin', async () => {
    // Act
    const response = await fetch(`${base}/cognito/pool/.well-known/openid-configuration`);

    // Assess
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(await response.json()).toMatchObject({
      issuer: `${base}/cognito/pool`,
      authorization_endpoint: `${base}/managed-login/drivers/oauth2/authorize`,
      token_endpoint: `${base}/managed-login/drivers/oauth2/token`,
    });
  });
});

describe('sandbox HTTP API CORS', () => {
  const cors = {
    AllowOrigins: ['https://app.example'],
    AllowMethods: ['POST'],
    AllowHeaders: ['authorization'],
    ExposeHeaders: ['retry-after'],
  };
  const fake = (method: string, headers: Record<string, string>) => {
    const set: Record<string, string> = {};
    let status = 0;
    const response = {
      setHeader: (name: string, value: string) => {
        set[name] = value;
      },
      writeHead: (code: number) => {
        status = code;
      },
      end: () => undefined,
    };
    const handled = applyCors(cors, { method, headers } as unknown as IncomingMessage, response as never);
    return { handled, set, status: () => status };
  };

  it('answers a preflight from an allowed origin itself, with the allowed methods and headers', () => {
    // Act
    const result = fake('OPTIONS', {
      origin: 'https://app.example',
      'access-control-request-method': 'POST',
    });

    // Assess
    expect(result.handled).toBe(true);
    expect(result.status()).toBe(204);
    expect(result.set).toMatchObject({
      'access-control-allow-origin': 'https://app.example',
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'authorization',
    });
  });

  it('gives another origin no CORS headers, so its page cannot read the answer', () => {
    // Act
    const preflight = fake('OPTIONS', {
      origin: 'https://attacker.example',
      'access-control-request-method': 'POST',
    });
    const simple = fake('POST', { origin: 'https://attacker.example' });

    // Assess
    expect(preflight.set).toEqual({});
    expect(simple.handled).toBe(false);
    expect(simple.set).toEqual({});
  });
});
