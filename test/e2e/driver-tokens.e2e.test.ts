import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { busEventsFor } from '../support/sandbox-harness.ts';
import { useSandbox } from './harness.ts';

const e2e = useSandbox();
const VERIFY_SCOPE = 'secure-delivery/verify';

describe('driver tokens on the verify route', () => {
  it('gives a signed-in driver a Cognito-shaped access token whose verify scope the pool trigger added', async () => {
    // Act
    const claims = decodeJwt(await e2e.client.driverToken('D-TOK-1'));

    // Assess
    expect(claims).toMatchObject({ driver_id: 'D-TOK-1', username: 'D-TOK-1', token_use: 'access' });
    expect(claims.sub).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(String(claims.scope).split(' ')).toEqual(['aws.cognito.signin.user.admin', VERIFY_SCOPE]);
    expect(typeof claims.client_id).toBe('string');
    expect(claims).not.toHaveProperty('aud');
  });

  it("lets a Cognito user whose custom:driver_id is the carrier's id verify the parcel Out For Delivery named with that id; the handover names that id, never the user's sub", async () => {
    // Prepare
    const { code, token } = await e2e.readyForHandover('TOK-CARRIER-ID-1', 'D-CARRIER-7');
    const claims = decodeJwt(token);

    // Act
    const response = await e2e.client.verify('TOK-CARRIER-ID-1', { code }, token);
    await e2e.sandbox.settled();

    // Assess
    expect(claims.sub).not.toBe('D-CARRIER-7');
    expect(claims.driver_id).toBe('D-CARRIER-7');
    expect(response.status).toBe(200);
    expect(await busEventsFor(e2e, 'Parcel Handover Verified', 'TOK-CARRIER-ID-1')).toEqual([
      expect.objectContaining({ parcelId: 'TOK-CARRIER-ID-1', driverId: 'D-CARRIER-7' }),
    ]);
  });

  it('gives one user the same sub at every sign-in, and two users different ones', async () => {
    // Act
    const [first, again, other] = await Promise.all(
      ['D-TOK-SUB-1', 'D-TOK-SUB-1', 'D-TOK-SUB-2'].map(async (id) =>
        decodeJwt(await e2e.client.driverToken(id)),
      ),
    );

    // Assess
    expect(again?.sub).toBe(first?.sub);
    expect(other?.sub).not.toBe(first?.sub);
  });

  it("verifies with the assigned driver's access token", async () => {
    // Prepare
    const { code, token } = await e2e.readyForHandover('TOK-ACCESS-1', 'D-TOK-1');

    // Act
    const response = await e2e.client.verify('TOK-ACCESS-1', { code }, token);

    // Assess
    expect(response.status).toBe(200);
    expect(response.body.code).toBe('VERIFIED');
  });

  it("refuses the same driver's ID token from the same issuer with 403 Forbidden, touching nothing", async () => {
    // Prepare
    const { code, token } = await e2e.readyForHandover('TOK-ID-1', 'D-TOK-2');
    const idToken = await e2e.client.driverToken('D-TOK-2', { tokenUse: 'id' });
    const before = await e2e.item('TOK-ID-1');

    // Act
    const refused = await e2e.client.verify('TOK-ID-1', { code }, idToken);

    // Assess
    expect(decodeJwt(idToken)).toMatchObject({ token_use: 'id', 'custom:driver_id': 'D-TOK-2' });
    expect(refused).toEqual({ status: 403, body: { message: 'Forbidden' } });
    expect(await e2e.item('TOK-ID-1')).toEqual(before);
    expect((await e2e.client.verify('TOK-ID-1', { code }, token)).status).toBe(200);
  });

  it('refuses with 403 an access token that lacks the verify scope', async () => {
    // Prepare
    const { code } = await e2e.readyForHandover('TOK-NOSCOPE-1', 'D-TOK-3');
    const unscoped = await e2e.client.driverToken('D-TOK-3', {
      claims: { scope: 'aws.cognito.signin.user.admin' },
    });

    // Act
    const response = await e2e.client.verify('TOK-NOSCOPE-1', { code }, unscoped);

    // Assess
    expect(response).toEqual({ status: 403, body: { message: 'Forbidden' } });
  });

  it('refuses with 401 in the handler a token that says token_use id yet carries the verify scope', async () => {
    // Prepare
    const { code } = await e2e.readyForHandover('TOK-IDSCOPE-1', 'D-TOK-4');
    const scopedIdToken = await e2e.client.driverToken('D-TOK-4', {
      tokenUse: 'id',
      claims: { scope: VERIFY_SCOPE },
    });
    const before = await e2e.item('TOK-IDSCOPE-1');

    // Act
    const response = await e2e.client.verify('TOK-IDSCOPE-1', { code }, scopedIdToken);

    // Assess
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await e2e.item('TOK-IDSCOPE-1')).toEqual(before);
  });

  it('refuses with 401 a scoped access token for another app client', async () => {
    // Prepare
    const { code } = await e2e.readyForHandover('TOK-CLIENT-1', 'D-TOK-5');
    const foreign = await e2e.client.driverToken('D-TOK-5', { claims: { client_id: 'another-app-client' } });

    // Act
    const response = await e2e.client.verify('TOK-CLIENT-1', { code }, foreign);

    // Assess
    expect(response).toEqual({ status: 401, body: { message: 'Unauthorized' } });
  });
});
