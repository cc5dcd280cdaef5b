/**
 * The smoke test's driver in a deployment's Cognito pool: created for the run with the admin API (the
 * carrier's id in `custom:driver_id`), signed in as the handheld signs in (SRP, then the TOTP second factor
 * the pool requires, set up on first sign-in), and deleted afterwards.
 */
import { randomBytes, randomInt } from 'node:crypto';
import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminSetUserPasswordCommand,
  AssociateSoftwareTokenCommand,
  type CognitoIdentityProviderClient,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  type RespondToAuthChallengeCommandOutput,
  VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { createSrpSession, signSrpSession, wrapAuthChallenge, wrapInitiateAuth } from 'cognito-srp-helper';
import { Secret, TOTP } from 'otpauth';
import type { SmokeDrivers } from './steps.ts';

/** Where the pool is: stack outputs `DriverUserPoolId` and `DriverClientId` (the handheld's client). */
export interface CognitoPool {
  readonly userPoolId: string;
  readonly clientId: string;
  /** The custom attribute holding the carrier's driver id. */
  readonly driverIdAttribute: string;
}

/** Drivers created in the pool for one run, removed after. */
export class CognitoSmokeDrivers implements SmokeDrivers {
  readonly description: string;
  private username?: string;

  constructor(
    private readonly client: CognitoIdentityProviderClient,
    private readonly pool: CognitoPool,
  ) {
    this.description = `created in ${pool.userPoolId}, SRP and TOTP sign-in, deleted after`;
  }

  async create(runId: string): Promise<{ driverId: string; accessToken: string }> {
    const username = `smoke-${runId}`.toLowerCase();
    const driverId = `SMOKE-${runId}`.toUpperCase();
    const password = strongPassword();
    const { userPoolId: UserPoolId, clientId: ClientId } = this.pool;
    await this.client.send(
      new AdminCreateUserCommand({
        UserPoolId,
        Username: username,
        MessageAction: 'SUPPRESS',
        UserAttributes: [{ Name: this.pool.driverIdAttribute, Value: driverId }],
      }),
    );
    this.username = username;
    await this.client.send(
      new AdminSetUserPasswordCommand({
        UserPoolId,
        Username: username,
        Password: password,
        Permanent: true,
      }),
    );
    const session = createSrpSession(username, password, UserPoolId, false);
    const started = await this.client.send(
      new InitiateAuthCommand(
        wrapInitiateAuth(session, {
          ClientId,
          AuthFlow: 'USER_SRP_AUTH',
          AuthParameters: { USERNAME: username },
        }),
      ),
    );
    let answer: RespondToAuthChallengeCommandOutput = await this.client.send(
      new RespondToAuthChallengeCommand(
        wrapAuthChallenge(signSrpSession(session, started), {
          ClientId,
          ChallengeName: 'PASSWORD_VERIFIER',
          ChallengeResponses: { USERNAME: username },
          ...(started.Session ? { Session: started.Session } : {}),
        }),
      ),
    );
    // The pool requires TOTP: a new user sets it up (MFA_SETUP); a known one answers it.
    let totp: TOTP | undefined;
    if (answer.ChallengeName === 'MFA_SETUP') {
      const associated = await this.client.send(
        new AssociateSoftwareTokenCommand({ Session: answer.Session }),
      );
      totp = new TOTP({ secret: Secret.fromBase32(associated.SecretCode ?? ''), digits: 6, period: 30 });
      const verified = await this.client.send(
        new VerifySoftwareTokenCommand({ Session: associated.Session, UserCode: totp.generate() }),
      );
      answer = await this.client.send(
        new RespondToAuthChallengeCommand({
          ClientId,
          ChallengeName: 'MFA_SETUP',
          Session: verified.Session,
          ChallengeResponses: { USERNAME: username },
        }),
      );
    }
    if (answer.ChallengeName === 'SOFTWARE_TOKEN_MFA' && totp) {
      answer = await this.client.send(
        new RespondToAuthChallengeCommand({
          ClientId,
          ChallengeName: 'SOFTWARE_TOKEN_MFA',
          Session: answer.Session,
          ChallengeResponses: { USERNAME: username, SOFTWARE_TOKEN_MFA_CODE: totp.generate() },
        }),
      );
    }
    const accessToken = answer.AuthenticationResult?.AccessToken;
    if (!accessToken)
      throw new Error(
        `sign-in of ${username} ended at challenge ${answer.ChallengeName ?? 'none'} without tokens`,
      );
    return { driverId, accessToken };
  }

  async remove(): Promise<string> {
    const username = this.username;
    if (!username) return 'no driver was created';
    await this.client.send(
      new AdminDeleteUserCommand({ UserPoolId: this.pool.userPoolId, Username: username }),
    );
    this.username = undefined;
    return `driver ${username} deleted from ${this.pool.userPoolId}`;
  }
}

/** 32 characters meeting the pool's policy (upper, lower, digit, symbol); never printed or kept. */
function strongPassword(): string {
  const symbols = '!@#$%^&*-_=+';
  const pick = (alphabet: string) => alphabet[randomInt(alphabet.length)] ?? 'x';
  return `${randomBytes(21).toString('base64url')}${pick('ABCDEFGHJKLMNPQRSTUVWXYZ')}${pick('abcdefghijkmnpqrstuvwxyz')}${pick('23456789')}${pick(symbols)}${pick(symbols)}`;
}
