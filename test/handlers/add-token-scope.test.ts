import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handlerTest } from './support.ts';

type Handler = typeof import('../../lambdas/add-token-scope/handler.ts')['handler'];

const t = handlerTest<Handler>('add-token-scope', { ACCESS_TOKEN_SCOPES: 'secure-delivery/verify' });

/** Cognito's generated user id, and the carrier's own id of the driver in `custom:driver_id`. */
const SUB = '5b1f3c7a-93d2-4e0b-a6f8-2c4d9e1b7a30';

function triggerEvent(
  triggerSource: PreTokenGenerationV2TriggerEvent['triggerSource'],
  scopes: string[] = ['aws.cognito.signin.user.admin'],
  attributes: Record<string, string> = {},
): PreTokenGenerationV2TriggerEvent {
  return {
    version: '2',
    triggerSource,
    region: 'eu-central-1',
    userPoolId: 'eu-central-1_Pool1',
    userName: 'D-1',
    callerContext: { awsSdkVersion: 'aws-sdk-js-3', clientId: 'handheld-client' },
    request: {
      userAttributes: { sub: SUB, 'cognito:user_status': 'CONFIRMED', ...attributes },
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

  it.each([
    ['TokenGeneration_Authentication', ['aws.cognito.signin.user.admin']],
    ['TokenGeneration_HostedAuth', ['openid', 'secure-delivery/verify']],
    ['TokenGeneration_RefreshTokens', ['openid', 'secure-delivery/verify']],
  ] as const)(
    "copies the carrier's driver id from custom:driver_id into the access token's driver_id claim on %s",
    async (source, scopes) => {
      // Act
      const result = await t.handler(
        triggerEvent(source, [...scopes], { 'custom:driver_id': 'D-1' }),
        t.context,
      );

      // Assess
      expect(result.response.claimsAndScopeOverrideDetails.accessTokenGeneration).toMatchObject({
        claimsToAddOrOverride: { driver_id: 'D-1' },
      });
      expect(result.response.claimsAndScopeOverrideDetails.idTokenGeneration).toBeUndefined();
    },
  );

  it.each([
    ['without the attribute', {}],
    ['with an empty attribute', { 'custom:driver_id': '' }],
    ['with a driver id the API refuses', { 'custom:driver_id': 'D 1/..' }],
  ])('lets a user %s sign in, naming no driver in the token (verify then answers 401)', async (_t, attrs) => {
    // Act
    const result = await t.handler(
      triggerEvent('TokenGeneration_Authentication', undefined, attrs),
      t.context,
    );

    // Assess
    expect(result.response.claimsAndScopeOverrideDetails).toEqual({
      accessTokenGeneration: { scopesToAdd: ['secure-delivery/verify'] },
    });
    expect(t.output.text()).toContain('No driver id');
    expect(t.output.text()).toContain(SUB);
  });
});

describe('add-token-scope handler with another attribute and claim', () => {
  const custom = handlerTest<Handler>('add-token-scope', {
    ACCESS_TOKEN_SCOPES: 'secure-delivery/verify',
    DRIVER_ID_ATTRIBUTE: 'custom:employee_no',
    DRIVER_ID_CLAIM: 'employee_no',
  });

  it('reads DRIVER_ID_ATTRIBUTE and writes DRIVER_ID_CLAIM', async () => {
    // Act
    const result = await custom.handler(
      triggerEvent('TokenGeneration_HostedAuth', ['openid'], {
        'custom:employee_no': 'E-7',
        'custom:driver_id': 'D-1',
      }),
      custom.context,
    );

    // Assess
    expect(result.response.claimsAndScopeOverrideDetails).toEqual({
      accessTokenGeneration: { claimsToAddOrOverride: { employee_no: 'E-7' } },
    });
  });
});
