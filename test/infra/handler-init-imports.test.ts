import { describe, expect, it } from 'vitest';
import type { HANDLER_VARIABLES } from '../../lambdas/contracts/environment.ts';
import { bundledInputs, sdkImports } from '../support/handler-bundle.ts';

const DYNAMODB = '@aws-sdk/client-dynamodb';
const KMS = '@aws-sdk/client-kms';
const SECRETS = '@aws-sdk/client-secrets-manager';
const SES = '@aws-sdk/client-ses';
const SMS = '@aws-sdk/client-pinpoint-sms-voice-v2';
const EVENTBRIDGE = '@aws-sdk/client-eventbridge';

/**
 * The SDK clients each function's every call uses, loaded at init: esbuild keeps an external import even
 * when nothing uses it, so a client loaded by a shared module would cost every bundle that imports it.
 */
const AT_INIT: Record<keyof typeof HANDLER_VARIABLES, string[]> = {
  'add-token-scope': [],
  'apply-lifecycle': [DYNAMODB, KMS, SECRETS],
  'assign-driver': [DYNAMODB],
  // Most parcels need no code, and each of those asks the table whether it has one anyway.
  'check-value': [DYNAMODB],
  'issue-otp': [DYNAMODB, KMS, SECRETS],
  'record-delivery': [DYNAMODB],
  'record-sms-delivery': [DYNAMODB],
  'resend-otp': [DYNAMODB, SECRETS, SES],
  'send-otp-email': [DYNAMODB, SECRETS, SES],
  'send-receipt': [DYNAMODB, SES],
  'sweep-delayed': [DYNAMODB],
  'track-otp': [DYNAMODB, SECRETS],
  'verify-otp': [DYNAMODB, KMS],
};

describe('the handlers’ bundles, as the stack builds them (the AWS SDK external)', () => {
  it.each(Object.entries(AT_INIT))(
    '%s loads at init only the SDK clients its every call uses',
    async (handlerName, expected) => {
      // Prepare
      const wanted = [...expected].sort();

      // Act
      const { atInit } = await sdkImports(handlerName);

      // Assess
      expect(atInit).toEqual(wanted);
    },
  );

  it.each([
    ['record-delivery', [EVENTBRIDGE, SECRETS, SMS]],
    ['sweep-delayed', [EVENTBRIDGE, SECRETS, SMS]],
    ['send-otp-email', [SMS]],
    ['resend-otp', [SMS]],
  ])(
    '%s loads the clients of its rare paths (SMS, the fallback) when they first run',
    async (handlerName, rare) => {
      // Prepare
      const atInitOfOthers = Object.values(AT_INIT).flat();

      // Act
      const { atInit, onFirstUse } = await sdkImports(handlerName);

      // Assess
      expect(onFirstUse).toEqual(expect.arrayContaining(rare));
      expect(atInit.filter((name) => name === SMS || name === EVENTBRIDGE)).toEqual([]);
      expect(atInitOfOthers).not.toContain(SMS);
    },
  );

  it('bundles libphonenumber’s metadata only into check-value, which validates Parcel Shipped: issue-otp reads what check-value passed on', async () => {
    // Act
    const withMetadata: string[] = [];
    for (const handlerName of Object.keys(AT_INIT))
      if (
        (await bundledInputs(handlerName)).some((input) => input.includes('node_modules/libphonenumber-js/'))
      )
        withMetadata.push(handlerName);

    // Assess
    expect(withMetadata).toEqual(['check-value']);
  });
});
