/**
 * The carrier's handheld signs in as a native app does: Cognito's SRP flow through the AWS SDK, sending the
 * `UserContextData` threat protection judges a sign-in by; its access token carries the carrier's driver id.
 */
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  NotAuthorizedException,
} from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { busEventsFor } from '../support/sandbox-harness.ts';
import { useSandbox } from './harness.ts';

const e2e = useSandbox();

describe('the handheld’s SRP sign-in', () => {
  it('signs in with SRP sending UserContextData, which threat protection gets, and verifies the parcel bound to its custom:driver_id', async () => {
    // Prepare
    const { code } = await e2e.readyForHandover('SRP-1', 'D-SRP-1');

    // Act
    const tokens = await e2e.client.handheldSignIn('D-SRP-1', { contextData: { device: 'handheld-7' } });
    const response = await e2e.client.verify('SRP-1', { code }, tokens.accessToken);
    await e2e.sandbox.settled();

    // Assess
    expect(decodeJwt(tokens.accessToken)).toMatchObject({ driver_id: 'D-SRP-1', token_use: 'access' });
    expect(tokens.refreshToken).toBeTruthy();
    expect(response.status).toBe(200);
    expect(await busEventsFor(e2e, 'Parcel Handover Verified', 'SRP-1')).toEqual([
      expect.objectContaining({ driverId: 'D-SRP-1' }),
    ]);
    const event = e2e.sandbox.userAuthEvents.findLast((candidate) => candidate.username === 'D-SRP-1');
    expect(event).toMatchObject({ eventResponse: 'Pass', clientId: e2e.sandbox.endpoints.driverClientId });
    expect(JSON.parse(Buffer.from(event?.encodedData ?? '', 'base64').toString('utf8'))).toEqual({
      device: 'handheld-7',
    });
  });

  it('refuses a wrong password with NotAuthorizedException and records the failed sign-in', async () => {
    // Act
    const refused = await e2e.client
      .handheldSignIn('D-SRP-2', { password: 'not-the-password' })
      .catch((error) => error);

    // Assess
    expect(refused).toBeInstanceOf(NotAuthorizedException);
    expect(e2e.sandbox.userAuthEvents.findLast((event) => event.username === 'D-SRP-2')).toMatchObject({
      eventResponse: 'Fail',
    });
  });

  it('refuses a flow the handheld client does not allow (USER_PASSWORD_AUTH) and malformed UserContextData', async () => {
    // Prepare
    const { endpoints } = e2e.sandbox;
    const cognito = new CognitoIdentityProviderClient({
      endpoint: endpoints.eventsEndpoint,
      region: endpoints.region,
      credentials: endpoints.credentials,
    });
    const attempt = (input: Record<string, unknown>) =>
      cognito
        .send(
          new InitiateAuthCommand({
            AuthFlow: 'USER_SRP_AUTH',
            ClientId: endpoints.driverClientId,
            AuthParameters: { USERNAME: 'D-SRP-3', SRP_A: 'abcdef' },
            ...input,
          }),
        )
        .then(
          () => 'accepted',
          (error: Error) => error.name,
        );

    // Act
    const passwordFlow = await attempt({
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: 'D-SRP-3', PASSWORD: 'x' },
    });
    const badContext = await attempt({ UserContextData: { EncodedData: 42 } });
    const goodContext = await attempt({ UserContextData: { EncodedData: 'ZGF0YQ==' } });
    cognito.destroy();

    // Assess
    expect(passwordFlow).toBe('InvalidParameterException');
    expect(badContext).not.toBe('accepted');
    expect(goodContext).toBe('accepted');
  });
});
