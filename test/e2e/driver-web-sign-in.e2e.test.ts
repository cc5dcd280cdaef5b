import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { busEventsFor } from '../support/sandbox-harness.ts';
import { webSignIn as signInAs } from '../support/web-sign-in.ts';
import { useSandbox } from './harness.ts';

const e2e = useSandbox();
const webSignIn = (driverId: string, scope: string) => signInAs(e2e.sandbox, driverId, scope);

describe('the web app’s tokens on the verify route', () => {
  it('verifies with an access token from the web client’s code flow, which carries the verify scope it asked for and the custom:driver_id the Out For Delivery named', async () => {
    // Prepare
    const { code } = await e2e.readyForHandover('WEB-TOK-1', 'D-WEB-1');
    const tokens = await webSignIn('D-WEB-1', 'openid secure-delivery/verify');

    // Act
    const response = await e2e.client.verify('WEB-TOK-1', { code }, tokens.access_token);
    await e2e.sandbox.settled();

    // Assess
    expect(decodeJwt(tokens.access_token ?? '')).toMatchObject({
      token_use: 'access',
      client_id: e2e.sandbox.driverApp.login.clients[0]?.clientId,
      scope: 'openid secure-delivery/verify',
    });
    expect(decodeJwt(tokens.id_token ?? '')['custom:driver_id']).toBe('D-WEB-1');
    expect(decodeJwt(tokens.access_token ?? '').driver_id).toBe('D-WEB-1');
    expect(response.status).toBe(200);
    expect(response.body.code).toBe('VERIFIED');
    expect(await busEventsFor(e2e, 'Parcel Handover Verified', 'WEB-TOK-1')).toEqual([
      expect.objectContaining({ driverId: 'D-WEB-1' }),
    ]);
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
