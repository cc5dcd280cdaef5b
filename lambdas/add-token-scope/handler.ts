import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { readEnvironment } from '../contracts/environment.ts';
import { createLogger, lambdaHandler } from '../shared/runtime.ts';

const logger = createLogger();
/** Space-separated scopes every driver access token gets, e.g. `secure-delivery/verify`. */
const scopesToAdd = [...readEnvironment('add-token-scope').ACCESS_TOKEN_SCOPES];

/** The scope Cognito gives every token from its user API (InitiateAuth, SRP) and only those. */
const COGNITO_API_SCOPE = 'aws.cognito.signin.user.admin';

/**
 * Cognito pre-token-generation trigger (event version V2_0): adds the verify scope to the access token of a
 * driver signing in with SRP or refreshing such a sign-in, since tokens from Cognito's API (InitiateAuth)
 * carry only `aws.cognito.signin.user.admin`. A token from an OAuth flow (managed login, the web app) keeps
 * exactly the scopes its client asked for. The ID token is left as it is: it never gets a scope.
 */
export const handler = lambdaHandler(
  logger,
  async (event: PreTokenGenerationV2TriggerEvent): Promise<PreTokenGenerationV2TriggerEvent> => {
    const fromCognitoApi = (event.request.scopes ?? []).includes(COGNITO_API_SCOPE);
    event.response = {
      claimsAndScopeOverrideDetails: fromCognitoApi ? { accessTokenGeneration: { scopesToAdd } } : {},
    };
    return event;
  },
);
