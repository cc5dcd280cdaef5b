import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { base64url, decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  authorizeJwt,
  type JwtAuthorizerConfig,
  JwtAuthorizerError,
  tokenScopes,
} from '../../../sandbox/emulators/http-api/jwt-authorizer.ts';
import { LocalJwtIssuer } from '../../../sandbox/emulators/http-api/jwt-issuer.ts';

const ISSUER_URL = 'http://127.0.0.1:4566/local_pool';
const AUDIENCE = 'sandbox-driver-app';
const KEY_ID = 'sandbox-key-1';

let issuer: LocalJwtIssuer;
let config: JwtAuthorizerConfig;

beforeAll(async () => {
  issuer = await LocalJwtIssuer.create({ issuerUrl: ISSUER_URL, audience: AUDIENCE, keyId: KEY_ID });
  config = { issuer: ISSUER_URL, audiences: ['other-app', AUDIENCE], jwks: issuer.jwks() };
});

/** Resolves to the rejection so tests can check it is the authorizer's refusal, for the expected reason. */
async function rejection(promise: Promise<unknown>): Promise<JwtAuthorizerError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(JwtAuthorizerError);
  return outcome as JwtAuthorizerError;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function validClaims(): Record<string, unknown> {
  const now = nowSeconds();
  return { sub: 'D-1', iss: ISSUER_URL, aud: AUDIENCE, iat: now, exp: now + 600 };
}

describe('LocalJwtIssuer.issueToken', () => {
  it('signs an RS256 ID-token-like JWT with the Cognito claims and a one-hour default lifetime', async () => {
    // Prepare
    const before = nowSeconds();

    // Act
    const token = await issuer.issueToken('D-1');

    // Assess
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', kid: KEY_ID, typ: 'JWT' });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      sub: 'D-1',
      iss: ISSUER_URL,
      aud: AUDIENCE,
      token_use: 'id',
      'cognito:username': 'D-1',
    });
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(claims.auth_time).toBe(claims.iat);
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(3600);
  });

  it('honours expiresInSeconds and lets extraClaims override or drop standard claims', async () => {
    // Act
    const token = await issuer.issueToken('D-2', {
      expiresInSeconds: 60,
      extraClaims: { aud: undefined, client_id: AUDIENCE, email_verified: true },
    });

    // Assess
    const claims = decodeJwt(token);
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(60);
    expect(claims).not.toHaveProperty('aud');
    expect(claims).toMatchObject({ client_id: AUDIENCE, email_verified: true });
  });

  it('publishes only the public key, with kid, alg and use', () => {
    // Act
    const { keys } = issuer.jwks();

    // Assess
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'RSA', kid: KEY_ID, alg: 'RS256', use: 'sig', e: 'AQAB' });
    expect(keys[0]).not.toHaveProperty('d');
  });
});

describe('authorizeJwt', () => {
  it('accepts a token from issueToken prefixed with Bearer and returns its claims', async () => {
    // Prepare
    const token = await issuer.issueToken('D-1');

    // Act
    const claims = await authorizeJwt(`Bearer ${token}`, config);

    // Assess
    expect(claims).toMatchObject({ sub: 'D-1', iss: ISSUER_URL, aud: AUDIENCE, token_use: 'id' });
  });

  it('accepts the raw token without the Bearer prefix', async () => {
    // Prepare
    const token = await issuer.issueToken('D-1');

    // Act
    const claims = await authorizeJwt(token, config);

    // Assess
    expect(claims.sub).toBe('D-1');
  });

  it('accepts an aud array that contains one configured audience', async () => {
    // Prepare
    const token = await issuer.issueToken('D-1', { extraClaims: { aud: ['unrelated', AUDIENCE] } });

    // Act
    const claims = await authorizeJwt(token, config);

    // Assess
    expect(claims.aud).toEqual(['unrelated', AUDIENCE]);
  });

  it('falls back to client_id when the token has no aud', async () => {
    // Prepare
    const token = await issuer.issueToken('D-1', { extraClaims: { aud: undefined, client_id: AUDIENCE } });

    // Act
    const claims = await authorizeJwt(token, config);

    // Assess
    expect(claims.client_id).toBe(AUDIENCE);
  });

  it('refuses a client_id outside the audiences when there is no aud', async () => {
    // Prepare
    const token = await issuer.issueToken('D-1', { extraClaims: { aud: undefined, client_id: 'stranger' } });

    // Act
    const error = await rejection(authorizeJwt(token, config));

    // Assess
    expect(error.reason).toBe('client_id mismatch');
  });

  it('ignores a matching client_id when a present aud does not match', async () => {
    // Prepare
    const token = await issuer.issueToken('D-1', { extraClaims: { aud: 'stranger', client_id: AUDIENCE } });

    // Act
    const error = await rejection(authorizeJwt(token, config));

    // Assess
    expect(error.reason).toBe('audience mismatch');
  });

  it.each([
    ['a missing header', undefined, 'missing token'],
    ['an empty header', '', 'missing token'],
    ['a bare Bearer prefix', 'Bearer ', 'missing token'],
    ['a string that is not a JWT', 'Bearer not-a-jwt', 'token is not a JWS'],
    ['three dots of garbage', 'Bearer a.b.c', 'token header is not decodable'],
  ])('refuses %s', async (_title, header, reason) => {
    // Act
    const error = await rejection(authorizeJwt(header, config));

    // Assess
    expect(error.reason).toBe(reason);
    expect(error.name).toBe('JwtAuthorizerError');
  });

  it('refuses a token whose issuer differs from the configured one, even by a trailing slash', async () => {
    // Prepare
    const token = await issuer.issueToken('D-1');

    // Act
    const error = await rejection(authorizeJwt(token, { ...config, issuer: `${ISSUER_URL}/` }));

    // Assess
    expect(error.reason).toBe('issuer mismatch');
  });

  it('refuses a token for another audience', async () => {
    // Prepare
    const token = await issuer.issueToken('D-1');

    // Act
    const error = await rejection(authorizeJwt(token, { ...config, audiences: ['other-app'] }));

    // Assess
    expect(error.reason).toBe('audience mismatch');
  });

  it('accepts a token one second before exp and refuses it at exp', async () => {
    // Prepare
    const token = await issuer.issueToken('D-1', { expiresInSeconds: 120 });
    const exp = decodeJwt(token).exp ?? 0;

    // Act
    const lastSecond = await authorizeJwt(token, config, exp - 1);
    const error = await rejection(authorizeJwt(token, config, exp));

    // Assess
    expect(lastSecond.sub).toBe('D-1');
    expect(error.reason).toBe('token expired');
  });

  it('refuses an already expired token at the current time', async () => {
    // Prepare
    const token = await issuer.issueToken('D-1', { expiresInSeconds: -1 });

    // Act
    const error = await rejection(authorizeJwt(token, config));

    // Assess
    expect(error.reason).toBe('token expired');
  });

  it('refuses a token without exp', async () => {
    // Prepare
    const token = await issuer.issueToken('D-1', { extraClaims: { exp: undefined } });

    // Act
    const error = await rejection(authorizeJwt(token, config));

    // Assess
    expect(error.reason).toBe('exp missing or not a number');
  });

  it('refuses a token whose nbf is in the future', async () => {
    // Prepare
    const token = await issuer.issueToken('D-1', { extraClaims: { nbf: nowSeconds() + 60 } });

    // Act
    const error = await rejection(authorizeJwt(token, config));

    // Assess
    expect(error.reason).toBe('nbf is in the future');
  });

  it('refuses a token whose iat is in the future', async () => {
    // Prepare
    const token = await issuer.issueToken('D-1', { extraClaims: { iat: nowSeconds() + 60 } });

    // Act
    const error = await rejection(authorizeJwt(token, config));

    // Assess
    expect(error.reason).toBe('iat is in the future');
  });

  it('refuses an unsigned alg "none" token even though its kid is in the JWKS', async () => {
    // Prepare
    const header = base64url.encode(JSON.stringify({ alg: 'none', kid: KEY_ID }));
    const claims = base64url.encode(JSON.stringify(validClaims()));
    const token = `${header}.${claims}.`;

    // Act
    const error = await rejection(authorizeJwt(`Bearer ${token}`, config));

    // Assess
    expect(error.reason).toBe('unsupported alg');
  });

  it('refuses an HS256 token signed with a shared secret under the JWKS kid', async () => {
    // Prepare
    const token = await new SignJWT(validClaims())
      .setProtectedHeader({ alg: 'HS256', kid: KEY_ID, typ: 'JWT' })
      .sign(new TextEncoder().encode('a-shared-secret-that-is-long-enough-for-hs256'));

    // Act
    const error = await rejection(authorizeJwt(token, config));

    // Assess
    expect(error.reason).toBe('unsupported alg');
  });

  it('refuses an ES256 token, because the authorizer supports only RSA-based algorithms', async () => {
    // Prepare
    const { privateKey } = await generateKeyPair('ES256');
    const token = await new SignJWT(validClaims())
      .setProtectedHeader({ alg: 'ES256', kid: KEY_ID })
      .sign(privateKey);

    // Act
    const error = await rejection(authorizeJwt(token, config));

    // Assess
    expect(error.reason).toBe('unsupported alg');
  });

  it('refuses a token signed by another key that reuses the kid', async () => {
    // Prepare
    const impostor = await LocalJwtIssuer.create({
      issuerUrl: ISSUER_URL,
      audience: AUDIENCE,
      keyId: KEY_ID,
    });
    const token = await impostor.issueToken('D-1');

    // Act
    const error = await rejection(authorizeJwt(token, config));

    // Assess
    expect(error.reason).toBe('signature is invalid');
  });

  it('refuses a token whose claims were altered after signing', async () => {
    // Prepare
    const [header, , signature] = (await issuer.issueToken('D-1')).split('.');
    const forged = base64url.encode(JSON.stringify({ ...validClaims(), sub: 'D-999' }));

    // Act
    const error = await rejection(authorizeJwt(`${header}.${forged}.${signature}`, config));

    // Assess
    expect(error.reason).toBe('signature is invalid');
  });

  it('refuses a token whose kid is not in the JWKS', async () => {
    // Prepare
    const stranger = await LocalJwtIssuer.create({
      issuerUrl: ISSUER_URL,
      audience: AUDIENCE,
      keyId: 'unknown-kid',
    });
    const token = await stranger.issueToken('D-1');

    // Act
    const error = await rejection(authorizeJwt(token, config));

    // Assess
    expect(error.reason).toBe('kid not in JWKS');
  });

  it('refuses a token without a kid', async () => {
    // Prepare
    const token = await issuer.issueToken('D-1');
    const [, claims, signature] = token.split('.');
    const header = base64url.encode(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));

    // Act
    const error = await rejection(authorizeJwt(`${header}.${claims}.${signature}`, config));

    // Assess
    expect(error.reason).toBe('token has no kid');
  });
});

describe('authorizeJwt with route scopes', () => {
  const VERIFY_SCOPE = 'secure-delivery/verify';
  const scoped = (): JwtAuthorizerConfig => ({ ...config, scopes: [VERIFY_SCOPE] });

  it('accepts an access token whose scope claim holds one of the route scopes among others', async () => {
    // Prepare
    const token = issuer.issueAccessToken('D-1', ['aws.cognito.signin.user.admin', VERIFY_SCOPE]);

    // Act
    const claims = await authorizeJwt(`Bearer ${token}`, scoped());

    // Assess
    expect(claims).toMatchObject({ sub: 'D-1', token_use: 'access', client_id: AUDIENCE });
    expect(tokenScopes(claims)).toEqual(['aws.cognito.signin.user.admin', VERIFY_SCOPE]);
  });

  it('accepts the scope from an scp array claim', async () => {
    // Prepare
    const token = issuer.issueAccessToken('D-1', [], {
      extraClaims: { scope: undefined, scp: [VERIFY_SCOPE] },
    });

    // Act
    const claims = await authorizeJwt(token, scoped());

    // Assess
    expect(claims.scp).toEqual([VERIFY_SCOPE]);
  });

  it('refuses with 403 an ID token, which carries no scope, though its audience and signature are good', async () => {
    // Prepare
    const token = await issuer.issueToken('D-1');

    // Act
    const error = await rejection(authorizeJwt(token, scoped()));

    // Assess
    expect(error.status).toBe(403);
    expect(error.reason).toBe('token lacks the route scopes');
  });

  it('refuses with 403 an access token with only the Cognito self-service scope', async () => {
    // Prepare
    const token = issuer.issueAccessToken('D-1');

    // Act
    const error = await rejection(authorizeJwt(token, scoped()));

    // Assess
    expect(error.status).toBe(403);
  });

  it('refuses a scope that only contains the route scope as a substring', async () => {
    // Prepare
    const token = issuer.issueAccessToken('D-1', [`${VERIFY_SCOPE}-all`, `x${VERIFY_SCOPE}`]);

    // Act
    const error = await rejection(authorizeJwt(token, scoped()));

    // Assess
    expect(error.status).toBe(403);
  });

  it('checks the token before the scopes: a bad token with the scope is 401', async () => {
    // Prepare
    const token = issuer.issueAccessToken('D-1', [VERIFY_SCOPE], { expiresInSeconds: -1 });

    // Act
    const error = await rejection(authorizeJwt(token, scoped()));

    // Assess
    expect(error.status).toBe(401);
    expect(error.reason).toBe('token expired');
  });

  it('checks no scope when the route configures none', async () => {
    // Prepare
    const token = await issuer.issueToken('D-1');

    // Act
    const claims = await authorizeJwt(token, { ...config, scopes: [] });

    // Assess
    expect(claims.token_use).toBe('id');
  });
});

describe('LocalJwtIssuer.signIn with a V2 pre-token-generation trigger', () => {
  const VERIFY_SCOPE = 'secure-delivery/verify';

  it('passes the V2 event to the trigger and applies its access-token scopes and claims, not reserved claims', async () => {
    // Prepare
    const events: PreTokenGenerationV2TriggerEvent[] = [];
    const pooled = await LocalJwtIssuer.create({
      issuerUrl: ISSUER_URL,
      audience: AUDIENCE,
      userPoolId: 'eu-central-1_pool',
      region: 'eu-central-1',
      preTokenGeneration: async (event) => {
        events.push(structuredClone(event));
        event.response = {
          claimsAndScopeOverrideDetails: {
            accessTokenGeneration: {
              scopesToAdd: [VERIFY_SCOPE],
              claimsToAddOrOverride: { shift: 'early', sub: 'D-999', token_use: 'id' },
            },
            idTokenGeneration: { claimsToAddOrOverride: { scope: VERIFY_SCOPE } },
          },
        };
        return event;
      },
    });

    // Act
    const access = decodeJwt(await pooled.signIn('D-1', 'access'));
    const id = decodeJwt(await pooled.signIn('D-1', 'id'));

    // Assess
    expect(events[0]).toMatchObject({
      version: '2',
      triggerSource: 'TokenGeneration_Authentication',
      region: 'eu-central-1',
      userPoolId: 'eu-central-1_pool',
      userName: 'D-1',
      callerContext: { clientId: AUDIENCE },
      request: { scopes: ['aws.cognito.signin.user.admin'] },
    });
    expect(access).toMatchObject({
      sub: 'D-1',
      token_use: 'access',
      scope: `aws.cognito.signin.user.admin ${VERIFY_SCOPE}`,
      shift: 'early',
    });
    expect(id).toMatchObject({ sub: 'D-1', token_use: 'id' });
    expect(id).not.toHaveProperty('scope');
  });

  it('removes the scopes the trigger suppresses', async () => {
    // Prepare
    const pooled = await LocalJwtIssuer.create({
      issuerUrl: ISSUER_URL,
      audience: AUDIENCE,
      preTokenGeneration: async (event) => ({
        ...event,
        response: {
          claimsAndScopeOverrideDetails: {
            accessTokenGeneration: {
              scopesToAdd: [VERIFY_SCOPE],
              scopesToSuppress: ['aws.cognito.signin.user.admin'],
            },
          },
        },
      }),
    });

    // Act
    const access = decodeJwt(await pooled.signIn('D-1', 'access'));

    // Assess
    expect(access.scope).toBe(VERIFY_SCOPE);
  });

  it('gives only the Cognito self-service scope when the pool has no trigger', async () => {
    // Act
    const access = decodeJwt(await issuer.signIn('D-1', 'access'));

    // Assess
    expect(access.scope).toBe('aws.cognito.signin.user.admin');
  });
});
