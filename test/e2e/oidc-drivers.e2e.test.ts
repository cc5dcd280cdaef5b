/**
 * The sandbox's OIDC mode (`npm start -- --drivers oidc`): the stack synthesized with `DriverIdentity.oidc`,
 * a local generic OpenID Connect provider standing in for its issuer, the driver id in the provider's own
 * claim. Drivers sign in there (directly, or code + PKCE as the web app does) and verify.
 */
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { SANDBOX_OIDC_DRIVERS } from '../../sandbox/app/settings.ts';
import { busEventsFor } from '../support/sandbox-harness.ts';
import { webSignIn } from '../support/web-sign-in.ts';
import { useSandbox } from './harness.ts';

const e2e = useSandbox({ drivers: 'oidc' });
const { driverIdClaim, scope, audience } = SANDBOX_OIDC_DRIVERS;

describe('OIDC drivers in the sandbox', () => {
  it('answers driverTokenUrl {"driverId":"D-1"} with a generic OIDC access token carrying D-1 in the configured claim, no Cognito claim', async () => {
    // Act
    const response = await fetch(e2e.sandbox.endpoints.driverTokenUrl, {
      method: 'POST',
      body: JSON.stringify({ driverId: 'D-1' }),
    });
    const claims = decodeJwt(((await response.json()) as { token: string }).token);

    // Assess
    expect(e2e.sandbox.endpoints.drivers).toBe('oidc');
    expect(claims).toMatchObject({ [driverIdClaim]: 'D-1', aud: audience[0], scope });
    expect(claims.sub).not.toBe('D-1');
    expect(
      Object.keys(claims).filter((claim) => /^(token_use|client_id|username|cognito:)/.test(claim)),
    ).toEqual([]);
  });

  it('lets a driver signed in at the OIDC provider (code + PKCE) verify the parcel whose Out For Delivery carried their carrier id', async () => {
    // Prepare
    const { code } = await e2e.readyForHandover('OIDC-WEB-1', 'D-OIDC-7');
    const tokens = await webSignIn(e2e.sandbox, 'D-OIDC-7', `openid ${scope}`);

    // Act
    const response = await e2e.client.verify('OIDC-WEB-1', { code }, tokens.access_token);
    await e2e.sandbox.settled();

    // Assess
    expect(decodeJwt(tokens.access_token ?? '')[driverIdClaim]).toBe('D-OIDC-7');
    expect(response).toMatchObject({ status: 200, body: { code: 'VERIFIED' } });
    expect(await busEventsFor(e2e, 'Parcel Handover Verified', 'OIDC-WEB-1')).toEqual([
      expect.objectContaining({ parcelId: 'OIDC-WEB-1', driverId: 'D-OIDC-7' }),
    ]);
  });

  it('answers another driver’s token with 403 NOT_ASSIGNED, counting nothing', async () => {
    // Prepare
    const { code } = await e2e.readyForHandover('OIDC-OTHER-1', 'D-OIDC-1');
    const before = await e2e.item('OIDC-OTHER-1');

    // Act
    const response = await e2e.client.verify(
      'OIDC-OTHER-1',
      { code },
      await e2e.client.driverToken('D-OIDC-2'),
    );

    // Assess
    expect(response).toMatchObject({ status: 403, body: { code: 'NOT_ASSIGNED' } });
    expect(await e2e.item('OIDC-OTHER-1')).toEqual(before);
  });

  it('refuses an ID token (its audience is the app) and another audience’s or issuer’s token with 401, a token without the verify scope with 403', async () => {
    // Prepare
    const { code } = await e2e.readyForHandover('OIDC-REFUSED-1', 'D-OIDC-3');
    const before = await e2e.item('OIDC-REFUSED-1');
    const tokens = await webSignIn(e2e.sandbox, 'D-OIDC-3', 'openid');
    const token = (claims: Record<string, unknown>) => e2e.client.driverToken('D-OIDC-3', { claims });

    // Act
    const answers = await Promise.all(
      [
        e2e.client.driverToken('D-OIDC-3', { tokenUse: 'id' }),
        tokens.access_token ?? '',
        token({ aud: 'api://another-app' }),
        token({ iss: 'https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_pool' }),
      ].map(async (t) => (await e2e.client.verify('OIDC-REFUSED-1', { code }, await t)).status),
    );

    // Assess
    expect(answers).toEqual([401, 403, 401, 401]);
    expect(await e2e.item('OIDC-REFUSED-1')).toEqual(before);
  });

  it('answers 401 to a token that names no driver in the configured claim', async () => {
    // Prepare
    const { code } = await e2e.readyForHandover('OIDC-NOCLAIM-1', 'D-OIDC-4');

    // Act
    const response = await e2e.client.verify(
      'OIDC-NOCLAIM-1',
      { code },
      await e2e.client.driverToken('D-OIDC-4', { claims: { [driverIdClaim]: null } }),
    );

    // Assess
    expect(response.status).toBe(401);
  });
});
