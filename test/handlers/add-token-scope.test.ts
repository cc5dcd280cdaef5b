import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handlerTest } from './support.ts';

type Handler = typeof import('../../lambdas/add-token-scope/handler.ts')['handler'];

const t = handlerTest<Handler>('add-token-scope', { ACCESS_TOKEN_SCOPES: 'secure-delivery/verify' });

function triggerEvent(
  triggerSource: PreTokenGenerationV2TriggerEvent['triggerSource'],
  scopes: string[] = ['aws.cognito.signin.user.admin'],
): PreTokenGenerationV2TriggerEvent {
  return {
    version: '2',
    triggerSource,
    region: 'eu-central-1',
    userPoolId: 'eu-central-1_Pool1',
    userName: 'D-1',
    callerContext: { awsSdkVersion: 'aws-sdk-js-3', clientId: 'handheld-client' },
    request: {
      userAttributes: { sub: 'D-1', 'cognito:user_status': 'CONFIRMED' },
      groupConfiguration: { groupsToOverride: [], iamRolesToOverride: [] },
      scopes,
    },
    response: { claimsAndScopeOverrideDetails: {} },
  } as PreTokenGenerationV2TriggerEvent;
}

describe('add-token-scope handler (pre-token-generation V2)', () => {
  it.each([
    'TokenGeneration_Authentication',
    'TokenGeneration_RefreshTokens',
    'TokenGeneration_NewPasswordChallenge',
  ] as const)(
    'adds the verify scope to the access token on %s and leaves the ID token alone',
    async (source) => {
      // Act
      const result = await t.handler(triggerEvent(source), t.context);

      // Assess
      expect(result.response.claimsAndScopeOverrideDetails).toEqual({
        accessTokenGeneration: { scopesToAdd: ['secure-delivery/verify'] },
      });
      expect(result.userName).toBe('D-1');
    },
  );

  it.each([
    ['TokenGeneration_HostedAuth', ['openid']],
    ['TokenGeneration_RefreshTokens', ['openid']],
    ['TokenGeneration_HostedAuth', ['openid', 'secure-delivery/verify']],
  ] as const)(
    'adds nothing on %s to a token from an OAuth flow with scopes %j: the client asked for what it gets',
    async (source, scopes) => {
      // Act
      const result = await t.handler(triggerEvent(source, [...scopes]), t.context);

      // Assess
      expect(result.response.claimsAndScopeOverrideDetails).toEqual({});
    },
  );
});
