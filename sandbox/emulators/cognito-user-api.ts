/**
 * The user pools' sign-in API (`AWSCognitoIdentityProviderService.InitiateAuth` and
 * `RespondToAuthChallenge`), unsigned as in AWS: `USER_SRP_AUTH` for a client whose `ExplicitAuthFlows` allow
 * it answers the `PASSWORD_VERIFIER` challenge, whose SRP password claim (`cognito-srp.ts`) earns the
 * tokens (through the pool's pre-token-generation trigger); `REFRESH_TOKEN_AUTH` refreshes. `UserContextData`
 * (`EncodedData`, `IpAddress`), what threat protection judges a sign-in by, is taken and kept with the
 * sign-in's auth event. Every sandbox user has one password (an option); the sandbox asks no second factor.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { AwsJsonError } from './aws-protocol.ts';
import { type SrpServerChallenge, srpPoolName, srpServerChallenge } from './cognito-srp.ts';
import { type LocalJwtIssuer, SUBJECT_PATTERN } from './http-api/jwt-issuer.ts';
import type { TemplateResolver } from './template.ts';

/** One sign-in as threat protection sees it (what `AdminListUserAuthEvents` would list). */
export interface AuthEvent {
  readonly username: string;
  readonly clientId: string;
  readonly eventType: 'SignIn';
  readonly eventResponse: 'Pass' | 'Fail';
  /** The device data the client sent (`UserContextData.EncodedData`), if any. */
  readonly encodedData?: string;
  readonly ipAddress?: string;
}

type Operation = (body: Record<string, unknown>) => unknown;

interface AppClient {
  readonly clientId: string;
  readonly userPoolId: string;
  readonly explicitAuthFlows: readonly string[];
  readonly issuer: LocalJwtIssuer;
}

interface PendingChallenge {
  readonly client: AppClient;
  readonly username: string;
  readonly challenge: SrpServerChallenge;
  readonly clientPublicHex: string;
  readonly expiresAt: number;
}

const invalid = (message: string) => new AwsJsonError('InvalidParameterException', message);
const notAuthorized = () => new AwsJsonError('NotAuthorizedException', 'Incorrect username or password.');

/** What the sign-in API needs: the template's app clients, the local issuers, every user's password. */
interface UserApiOptions {
  readonly resolver: TemplateResolver;
  /** The local issuers by the issuer URL Cognito would have. */
  readonly issuers: ReadonlyMap<string, LocalJwtIssuer>;
  /** Every sandbox user's password; without one, SRP sign-ins fail as with a wrong password. */
  readonly password: string | undefined;
}

/**
 * The sign-in operations of the template's user pools, with `password` as every user's password, and the
 * auth events they record.
 */
export function cognitoUserApi(options: UserApiOptions): {
  operations: Record<string, Operation>;
  authEvents: AuthEvent[];
} {
  const api = new UserPoolSignIn(options);
  return {
    operations: {
      'AWSCognitoIdentityProviderService.InitiateAuth': (body) => api.initiateAuth(body),
      'AWSCognitoIdentityProviderService.RespondToAuthChallenge': (body) => api.respondToAuthChallenge(body),
    },
    authEvents: api.authEvents,
  };
}

class UserPoolSignIn {
  readonly authEvents: AuthEvent[] = [];
  readonly #challenges = new Map<string, PendingChallenge>();
  readonly #refreshTokens = new Map<string, { clientId: string; username: string }>();
  readonly #clients: ReadonlyMap<string, AppClient>;

  constructor(private readonly options: UserApiOptions) {
    const { resolver } = options;
    this.#clients = new Map(
      resolver.resourcesOfType('AWS::Cognito::UserPoolClient').flatMap(([id, resource]) => {
        const properties = resolver.resolve(resource.Properties ?? {}) as {
          UserPoolId: string;
          ExplicitAuthFlows?: string[];
        };
        const issuer = options.issuers.get(
          `https://cognito-idp.${resolver.env.region}.amazonaws.com/${properties.UserPoolId}`,
        );
        if (!issuer) return [];
        const client: AppClient = {
          clientId: resolver.ref(id),
          userPoolId: properties.UserPoolId,
          explicitAuthFlows: properties.ExplicitAuthFlows ?? [],
          issuer,
        };
        return [[client.clientId, client] as const];
      }),
    );
  }

  async initiateAuth(body: Record<string, unknown>): Promise<unknown> {
    const client = this.#clientOf(body);
    const context = contextOf(body);
    const parameters = (body.AuthParameters ?? {}) as Record<string, unknown>;
    const flow = String(body.AuthFlow ?? '');
    if (!client.explicitAuthFlows.includes(`ALLOW_${flow}`))
      throw invalid('Auth flow not enabled for this client');
    if (flow === 'REFRESH_TOKEN_AUTH' || flow === 'REFRESH_TOKEN') {
      const grant = this.#refreshTokens.get(String(parameters.REFRESH_TOKEN ?? ''));
      if (!grant || grant.clientId !== client.clientId)
        throw new AwsJsonError('NotAuthorizedException', 'Invalid Refresh Token');
      return { AuthenticationResult: await tokensFor(client, grant.username), ChallengeParameters: {} };
    }
    if (flow !== 'USER_SRP_AUTH') throw invalid(`${flow} is not an auth flow the sandbox signs in with`);
    const username = String(parameters.USERNAME ?? '');
    const clientPublicHex = String(parameters.SRP_A ?? '');
    if (!username) throw invalid('Missing required parameter USERNAME');
    if (!/^[0-9a-f]+$/i.test(clientPublicHex)) throw invalid('Missing required parameter SRP_A');
    if (!SUBJECT_PATTERN.test(username)) {
      this.#record(client, username, 'Fail', context);
      throw notAuthorized();
    }
    const password = this.options.password ?? randomUUID();
    const challenge = srpServerChallenge(srpPoolName(client.userPoolId), username, password);
    const secretBlock = randomBytes(64).toString('base64');
    const expiresAt = Date.now() + 3 * 60_000;
    this.#challenges.set(secretBlock, { client, username, challenge, clientPublicHex, expiresAt });
    return {
      ChallengeName: 'PASSWORD_VERIFIER',
      ChallengeParameters: {
        SALT: challenge.saltHex,
        SECRET_BLOCK: secretBlock,
        SRP_B: challenge.serverPublicHex,
        USERNAME: username,
        USER_ID_FOR_SRP: username,
      },
    };
  }

  async respondToAuthChallenge(body: Record<string, unknown>): Promise<unknown> {
    const client = this.#clientOf(body);
    const context = contextOf(body);
    if (body.ChallengeName !== 'PASSWORD_VERIFIER')
      throw invalid('The sandbox answers PASSWORD_VERIFIER only');
    const responses = (body.ChallengeResponses ?? {}) as Record<string, unknown>;
    const secretBlock = String(responses.PASSWORD_CLAIM_SECRET_BLOCK ?? '');
    const pending = this.#challenges.get(secretBlock);
    this.#challenges.delete(secretBlock);
    const username = String(responses.USERNAME ?? '');
    const passed =
      pending !== undefined &&
      pending.expiresAt > Date.now() &&
      pending.client.clientId === client.clientId &&
      pending.username === username &&
      pending.challenge.verify({
        clientPublicHex: pending.clientPublicHex,
        secretBlock,
        timestamp: String(responses.TIMESTAMP ?? ''),
        signature: String(responses.PASSWORD_CLAIM_SIGNATURE ?? ''),
      });
    this.#record(client, username, passed ? 'Pass' : 'Fail', context);
    if (!passed) throw notAuthorized();
    const refreshToken = randomBytes(32).toString('base64url');
    this.#refreshTokens.set(refreshToken, { clientId: client.clientId, username });
    return {
      AuthenticationResult: { ...(await tokensFor(client, username)), RefreshToken: refreshToken },
      ChallengeParameters: {},
    };
  }

  #record(
    client: AppClient,
    username: string,
    eventResponse: AuthEvent['eventResponse'],
    context: Pick<AuthEvent, 'encodedData' | 'ipAddress'>,
  ): void {
    this.authEvents.push({
      username,
      clientId: client.clientId,
      eventType: 'SignIn',
      eventResponse,
      ...context,
    });
  }

  #clientOf(body: Record<string, unknown>): AppClient {
    const client = this.#clients.get(String(body.ClientId ?? ''));
    if (!client)
      throw new AwsJsonError(
        'ResourceNotFoundException',
        `User pool client ${String(body.ClientId)} does not exist.`,
      );
    return client;
  }
}

/** The request's `UserContextData`, checked for shape. */
function contextOf(body: Record<string, unknown>): Pick<AuthEvent, 'encodedData' | 'ipAddress'> {
  const data = body.UserContextData;
  if (data === undefined) return {};
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new AwsJsonError('SerializationException', 'UserContextData must be an object');
  const { EncodedData, IpAddress } = data as Record<string, unknown>;
  if (EncodedData !== undefined && typeof EncodedData !== 'string')
    throw invalid('UserContextData.EncodedData must be a string');
  if (IpAddress !== undefined && typeof IpAddress !== 'string')
    throw invalid('UserContextData.IpAddress must be a string');
  return {
    ...(EncodedData ? { encodedData: EncodedData } : {}),
    ...(IpAddress ? { ipAddress: IpAddress } : {}),
  };
}

/** The tokens of a sign-in through `client`, passed through the pool's trigger. */
async function tokensFor(client: AppClient, username: string) {
  const { accessToken, idToken } = await client.issuer.signInTokens(username, { clientId: client.clientId });
  return { AccessToken: accessToken, IdToken: idToken, ExpiresIn: 3600, TokenType: 'Bearer' };
}
