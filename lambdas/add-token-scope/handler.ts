import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { createLogger, lambdaHandler, requireEnv } from '../shared/runtime.ts';

const logger = createLogger();
/** Space-separated scopes every driver access token gets, e.g. `secure-delivery/verify`. */
const scopesToAdd = requireEnv('ACCESS_TOKEN_SCOPES').split(' ').filter(Boolean);

/**
 * Cognito pre-token-generation trigger (event version V2_0): adds the verify scope to the access token of a
 * driver signing in with SRP or refreshing, since tokens from Cognito's API (InitiateAuth) carry only
 * `aws.cognito.signin.user.admin`. The ID token is left as it is: it never gets a scope.
 */
export const handler = lambdaHandler(
  logger,
  async (event: PreTokenGenerationV2TriggerEvent): Promise<PreTokenGenerationV2TriggerEvent> => {
    event.response = {
      claimsAndScopeOverrideDetails: { accessTokenGeneration: { scopesToAdd } },
    };
    return event;
  },
);
