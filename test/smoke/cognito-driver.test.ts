import { randomBytes } from 'node:crypto';
import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminSetUserPasswordCommand,
  AssociateSoftwareTokenCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { Secret, TOTP } from 'otpauth';
import { beforeEach, describe, expect, it } from 'vitest';
import { CognitoSmokeDrivers } from '../../scripts/smoke/cognito-driver.ts';

const POOL = {
  userPoolId: 'eu-central-1_Smoke',
  clientId: 'handheld-client',
  driverIdAttribute: 'custom:driver_id',
};
const TOTP_SECRET = new Secret({ size: 20 });

const cognito = mockClient(CognitoIdentityProviderClient);

beforeEach(() => {
  cognito.reset();
  cognito.on(AdminCreateUserCommand).resolves({});
  cognito.on(AdminSetUserPasswordCommand).resolves({});
  cognito.on(InitiateAuthCommand).resolves({
    ChallengeName: 'PASSWORD_VERIFIER',
    ChallengeParameters: {
      SALT: randomBytes(16).toString('hex'),
      SECRET_BLOCK: randomBytes(64).toString('base64'),
      SRP_B: `1${randomBytes(300).toString('hex')}`,
      USERNAME: 'smoke-run-1',
      USER_ID_FOR_SRP: 'smoke-run-1',
    },
  });
  cognito
    .on(RespondToAuthChallengeCommand, { ChallengeName: 'PASSWORD_VERIFIER' })
    .resolves({ ChallengeName: 'MFA_SETUP', Session: 'session-1' })
    .on(RespondToAuthChallengeCommand, { ChallengeName: 'MFA_SETUP' })
    .resolves({ AuthenticationResult: { AccessToken: 'access-token' } });
  cognito
    .on(AssociateSoftwareTokenCommand)
    .resolves({ SecretCode: TOTP_SECRET.base32, Session: 'session-2' });
  cognito.on(VerifySoftwareTokenCommand).resolves({ Status: 'SUCCESS', Session: 'session-3' });
  cognito.on(AdminDeleteUserCommand).resolves({});
});

describe('the smoke test’s Cognito driver', () => {
  it('creates the driver with its carrier id and no invitation, signs in with SRP and sets up TOTP, and returns the access token', async () => {
    // Prepare
    const drivers = new CognitoSmokeDrivers(
      new CognitoIdentityProviderClient({ region: 'eu-central-1' }),
      POOL,
    );

    // Act
    const driver = await drivers.create('Run-1');

    // Assess
    expect(driver).toEqual({ driverId: 'SMOKE-RUN-1', accessToken: 'access-token' });
    expect(cognito.commandCalls(AdminCreateUserCommand)[0]?.args[0].input).toEqual({
      UserPoolId: POOL.userPoolId,
      Username: 'smoke-run-1',
      MessageAction: 'SUPPRESS',
      UserAttributes: [{ Name: 'custom:driver_id', Value: 'SMOKE-RUN-1' }],
    });
    const password = cognito.commandCalls(AdminSetUserPasswordCommand)[0]?.args[0].input;
    expect(password?.Permanent).toBe(true);
    expect(password?.Password).toMatch(/^(?=.*[A-Z])(?=.*[a-z])(?=.*\d)(?=.*[^A-Za-z0-9]).{12,}$/);
    const started = cognito.commandCalls(InitiateAuthCommand)[0]?.args[0].input;
    expect(started).toMatchObject({ ClientId: POOL.clientId, AuthFlow: 'USER_SRP_AUTH' });
    expect(started?.AuthParameters?.SRP_A).toMatch(/^[0-9a-f]+$/);
    const proof = cognito.commandCalls(RespondToAuthChallengeCommand)[0]?.args[0].input;
    expect(proof?.ChallengeResponses).toMatchObject({
      USERNAME: 'smoke-run-1',
      PASSWORD_CLAIM_SECRET_BLOCK: expect.any(String),
      PASSWORD_CLAIM_SIGNATURE: expect.any(String),
      TIMESTAMP: expect.any(String),
    });
    const userCode = cognito.commandCalls(VerifySoftwareTokenCommand)[0]?.args[0].input.UserCode ?? '';
    expect(new TOTP({ secret: TOTP_SECRET }).validate({ token: userCode, window: 1 })).not.toBeNull();
    expect(cognito.commandCalls(RespondToAuthChallengeCommand)[1]?.args[0].input).toMatchObject({
      ChallengeName: 'MFA_SETUP',
      Session: 'session-3',
    });
  });

  it('deletes the driver it created, and nothing when it created none', async () => {
    // Prepare
    const drivers = new CognitoSmokeDrivers(
      new CognitoIdentityProviderClient({ region: 'eu-central-1' }),
      POOL,
    );
    const untouched = new CognitoSmokeDrivers(
      new CognitoIdentityProviderClient({ region: 'eu-central-1' }),
      POOL,
    );
    await drivers.create('Run-2');

    // Act
    await drivers.remove();
    await untouched.remove();

    // Assess
    expect(cognito.commandCalls(AdminDeleteUserCommand).map((call) => call.args[0].input)).toEqual([
      { UserPoolId: POOL.userPoolId, Username: 'smoke-run-2' },
    ]);
  });

  it('fails naming the challenge when sign-in ends without tokens', async () => {
    // Prepare
    cognito.on(RespondToAuthChallengeCommand, { ChallengeName: 'MFA_SETUP' }).resolves({
      ChallengeName: 'NEW_PASSWORD_REQUIRED',
    });
    const drivers = new CognitoSmokeDrivers(
      new CognitoIdentityProviderClient({ region: 'eu-central-1' }),
      POOL,
    );

    // Act and assess
    await expect(drivers.create('Run-3')).rejects.toThrow(/challenge NEW_PASSWORD_REQUIRED without tokens/);
  });
});
