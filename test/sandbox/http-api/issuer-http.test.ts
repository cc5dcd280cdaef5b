import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVER_SIGN_IN } from '../../../sandbox/app/settings.ts';
import { handleIssuerRequest } from '../../../sandbox/emulators/http-api/issuer-endpoints.ts';
import { authorizeJwt } from '../../../sandbox/emulators/http-api/jwt-authorizer.ts';
import { type Jwks, LocalJwtIssuer } from '../../../sandbox/emulators/http-api/jwt-issuer.ts';

const AUDIENCE = 'sandbox-driver-app';

let server: Server;
let origin: string;
let issuerUrl: string;
let issuer: LocalJwtIssuer;

// A thin HTTP wrapper, like the sandbox server's, so the issuer is exercised over a real socket.
beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const answer = await handleIssuerRequest(
        issuer,
        request.method ?? 'GET',
        request.url ?? '/',
        Buffer.concat(chunks).toString('utf8'),
      );
      const status = answer?.status ?? 404;
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer?.body ?? { message: 'Not Found' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  issuerUrl = `${origin}/local_pool`;
  issuer = await LocalJwtIssuer.create({ issuerUrl, audience: AUDIENCE, signInSubject: DRIVER_SIGN_IN });
});

afterAll(async () => {
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
});

async function postToken(body: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${origin}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('handleIssuerRequest over HTTP', () => {
  it('serves the JWKS under the issuer path', async () => {
    // Act
    const response = await fetch(`${issuerUrl}/.well-known/jwks.json`);

    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(issuer.jwks());
  });

  it('serves a discovery document whose jwks_uri verifies issued tokens', async () => {
    // Prepare
    const token = await issuer.issueToken('D-1');

    // Act
    const response = await fetch(`${issuerUrl}/.well-known/openid-configuration`);
    const discovery = (await response.json()) as Record<string, unknown>;
    const verified = await jwtVerify(token, createRemoteJWKSet(new URL(String(discovery.jwks_uri))), {
      issuer: String(discovery.issuer),
      audience: AUDIENCE,
    });

    // Assess
    expect(response.status).toBe(200);
    expect(discovery).toMatchObject({
      issuer: issuerUrl,
      jwks_uri: `${issuerUrl}/.well-known/jwks.json`,
      id_token_signing_alg_values_supported: ['RS256'],
    });
    expect(verified.payload.sub).toBe('D-1');
  });

  it('issues a Cognito-shaped access token for a driver that the JWT authorizer accepts with the served JWKS', async () => {
    // Prepare
    const jwks = (await (await fetch(`${issuerUrl}/.well-known/jwks.json`)).json()) as Jwks;

    // Act
    const { status, json } = await postToken('{"driverId":"D-1"}');
    const claims = await authorizeJwt(`Bearer ${String(json.token)}`, {
      issuer: issuerUrl,
      audiences: [AUDIENCE],
      jwks,
    });

    // Assess
    expect(status).toBe(200);
    // The user signs in by driver id (its username); its sub is the one the pool generated for it.
    expect(claims).toMatchObject({
      sub: issuer.users.userFor('D-1').sub,
      username: 'D-1',
      client_id: AUDIENCE,
      token_use: 'access',
      scope: 'aws.cognito.signin.user.admin',
    });
    expect(claims).not.toHaveProperty('aud');
    expect(claims).not.toHaveProperty('cognito:username');
  });

  it('issues the ID token, with aud and no scope, for tokenUse "id"', async () => {
    // Act
    const { status, json } = await postToken('{"driverId":"D-1","tokenUse":"id"}');

    // Assess
    expect(status).toBe(200);
    const claims = decodeJwt(String(json.token));
    expect(claims).toMatchObject({
      sub: issuer.users.userFor('D-1').sub,
      aud: AUDIENCE,
      token_use: 'id',
      'cognito:username': 'D-1',
      'custom:driver_id': 'D-1',
    });
    expect(claims).not.toHaveProperty('scope');
  });

  it('applies claims from the request after signing in, and drops a claim given as null', async () => {
    // Act
    const { status, json } = await postToken(
      '{"driverId":"D-1","tokenUse":"id","claims":{"scope":"secure-delivery/verify","cognito:username":null}}',
    );

    // Assess
    expect(status).toBe(200);
    const claims = decodeJwt(String(json.token));
    expect(claims).toMatchObject({ token_use: 'id', scope: 'secure-delivery/verify' });
    expect(claims).not.toHaveProperty('cognito:username');
  });

  it.each([
    ['an unknown tokenUse', '{"driverId":"D-1","tokenUse":"refresh"}', /tokenUse/],
    ['claims that are not an object', '{"driverId":"D-1","claims":["scope"]}', /claims/],
  ])('answers 400 with a message for %s', async (_title, body, message) => {
    // Act
    const { status, json } = await postToken(body);

    // Assess
    expect(status).toBe(400);
    expect(json.message).toMatch(message);
  });

  it('accepts a driverId of the maximum 128 characters', async () => {
    // Act
    const { status } = await postToken(JSON.stringify({ driverId: `D${'x'.repeat(127)}` }));

    // Assess
    expect(status).toBe(200);
  });

  it('answers 400 with a message for a body that is not JSON', async () => {
    // Act
    const { status, json } = await postToken('{driverId:');

    // Assess
    expect(status).toBe(400);
    expect(json.message).toMatch(/JSON/);
  });

  it.each([
    ['no driverId', '{}'],
    ['a JSON null body', 'null'],
    ['a numeric driverId', '{"driverId":7}'],
    ['an empty driverId', '{"driverId":""}'],
    ['a driverId starting with a dash', '{"driverId":"-D1"}'],
    ['a driverId with a space', '{"driverId":"D 1"}'],
    ['a driverId with a slash', '{"driverId":"D/1"}'],
    ['a driverId with a trailing newline', '{"driverId":"D1\\n"}'],
    ['a driverId of 129 characters', JSON.stringify({ driverId: `D${'x'.repeat(128)}` })],
  ])('answers 400 with a message for %s', async (_title, body) => {
    // Act
    const { status, json } = await postToken(body);

    // Assess
    expect(status).toBe(400);
    expect(json.message).toMatch(/driverId/);
  });
});

describe('handleIssuerRequest routing', () => {
  it('returns undefined for paths it does not serve', async () => {
    // Act
    const answers = await Promise.all([
      handleIssuerRequest(issuer, 'GET', '/parcels/P-1/otp', ''),
      handleIssuerRequest(issuer, 'GET', '/other_pool/.well-known/jwks.json', ''),
      handleIssuerRequest(issuer, 'GET', '/.well-known/jwks.json', ''),
      handleIssuerRequest(issuer, 'POST', '/local_pool/token', '{"driverId":"D-1"}'),
    ]);

    // Assess
    expect(answers).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('ignores a query string on a served path', async () => {
    // Act
    const answer = await handleIssuerRequest(issuer, 'GET', '/local_pool/.well-known/jwks.json?x=1', '');

    // Assess
    expect(answer).toEqual({ status: 200, body: issuer.jwks() });
  });

  it('answers 405 for a wrong method on a served path', async () => {
    // Act
    const answers = await Promise.all([
      handleIssuerRequest(issuer, 'GET', '/token', ''),
      handleIssuerRequest(issuer, 'POST', '/local_pool/.well-known/jwks.json', ''),
    ]);

    // Assess
    expect(answers.map((answer) => answer?.status)).toEqual([405, 405]);
  });

  it('takes the subject under the issuer\'s sign-in field: "username" by default, the one it was created with otherwise', async () => {
    // Prepare
    const generic = await LocalJwtIssuer.create({ issuerUrl: 'http://127.0.0.1:9', audience: AUDIENCE });

    // Act
    const byUsername = await handleIssuerRequest(generic, 'POST', '/token', '{"username":"user-1"}');
    const byDriverId = await handleIssuerRequest(generic, 'POST', '/token', '{"driverId":"D-1"}');
    const configured = await handleIssuerRequest(issuer, 'POST', '/token', '{"username":"user-1"}');

    // Assess
    expect(byUsername?.status).toBe(200);
    const token = String((byUsername?.body as { token?: string } | undefined)?.token);
    expect(decodeJwt(token).sub).toBe('user-1');
    expect(byDriverId).toMatchObject({
      status: 400,
      body: { message: expect.stringMatching(/^username must match/) },
    });
    expect(configured).toMatchObject({
      status: 400,
      body: { message: expect.stringMatching(/^driverId must match/) },
    });
  });

  it('serves the well-known routes at the root when the issuer URL has no path', async () => {
    // Prepare
    const rootIssuer = await LocalJwtIssuer.create({ issuerUrl: 'http://127.0.0.1:9', audience: AUDIENCE });

    // Act
    const answer = await handleIssuerRequest(rootIssuer, 'GET', '/.well-known/openid-configuration', '');

    // Assess
    expect(answer?.status).toBe(200);
    expect(answer?.body).toMatchObject({ jwks_uri: 'http://127.0.0.1:9/.well-known/jwks.json' });
  });
});
