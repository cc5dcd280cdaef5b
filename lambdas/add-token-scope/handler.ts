import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { readEnvironment } from '../contracts/environment.ts';
import { DRIVER_ID_PATTERN } from '../domain/identifiers.ts';
import { createLogger, lambdaHandler } from '../shared/runtime.ts';

const logger = createLogger();
const env = readEnvironment('add-token-scope');
/** Space-separated scopes every driver access token gets, e.g. `secure-delivery/verify`. */
const scopesToAdd = [...env.ACCESS_TOKEN_SCOPES];
/** The user attribute the carrier set to its own driver id (`custom:driver_id`), and the claim it becomes. */
const driverIdAttribute = env.DRIVER_ID_ATTRIBUTE;
const driverIdClaim = env.DRIVER_ID_CLAIM;

/** The scope Cognito gives every token from its user API (InitiateAuth, SRP) and only those. */
const COGNITO_API_SCOPE = 'aws.cognito.signin.user.admin';

/**
 * Cognito pre-token-generation trigger (event version V2_0). Copies the driver's carrier id from its user
 * attribute into the access token (the claim verify reads), on every sign-in and refresh; a user without a
 * well-formed id still signs in, but its token names no driver (verify answers 401). Adds the verify scope to
 * the access token of a driver signing in with SRP (or refreshing such a sign-in), since tokens from
 * Cognito's API carry only `aws.cognito.signin.user.admin`; a token from an OAuth flow (managed login, the
 * web app) keeps exactly the scopes its client asked for. The ID token is left as it is.
 */
export const handler = lambdaHandler(
  logger,
  async (event: PreTokenGenerationV2TriggerEvent): Promise<PreTokenGenerationV2TriggerEvent> => {
    const fromCognitoApi = (event.request.scopes ?? []).includes(COGNITO_API_SCOPE);
    const driverId = event.request.userAttributes?.[driverIdAttribute];
    const hasDriverId = typeof driverId === 'string' && DRIVER_ID_PATTERN.test(driverId);
    // The user's sub only: a username may be an email address.
    if (!hasDriverId) logger.warn('No driver id', { sub: event.request.userAttributes?.sub });
    const accessToken = {
      ...(fromCognitoApi ? { scopesToAdd } : {}),
      ...(hasDriverId ? { claimsToAddOrOverride: { [driverIdClaim]: driverId } } : {}),
    };
    event.response = {
      claimsAndScopeOverrideDetails:
        Object.keys(accessToken).length > 0 ? { accessTokenGeneration: accessToken } : {},
    };
    return event;
  },
);
