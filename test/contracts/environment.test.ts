import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  ENVIRONMENT,
  HANDLER_VARIABLES,
  readEnvironment,
  serializeVariable,
} from '../../lambdas/contracts/environment.ts';
import { SecureDeliveryFunction } from '../../lib/lambda-defaults.ts';

const VERIFY_ENV = {
  OTP_TABLE_NAME: 'codes',
  OTP_HASH_KEY_ARN: 'arn:aws:kms:eu-central-1:123456789012:key/k',
};

describe('readEnvironment', () => {
  it("returns the handler's declared variables, typed, and nothing else", () => {
    // Prepare
    const source = { ...VERIFY_ENV, MAX_WRONG_ATTEMPTS_PER_CODE: '7', RECIPIENT_TABLE_NAME: 'recipients' };

    // Act
    const env = readEnvironment('verify-otp', source);

    // Assess
    expect(env).toEqual({
      OTP_TABLE_NAME: 'codes',
      OTP_HASH_KEY_ARN: VERIFY_ENV.OTP_HASH_KEY_ARN,
      MAX_WRONG_ATTEMPTS_PER_CODE: 7,
      MAX_WRONG_ATTEMPTS_PER_PARCEL: ENVIRONMENT.MAX_WRONG_ATTEMPTS_PER_PARCEL.default,
      DRIVER_IDENTITY_PROVIDER: ENVIRONMENT.DRIVER_IDENTITY_PROVIDER.default,
      DRIVER_ID_CLAIM: ENVIRONMENT.DRIVER_ID_CLAIM.default,
    });
    // @ts-expect-error verify-otp does not declare RECIPIENT_TABLE_NAME: reading it is a type error.
    expect(env.RECIPIENT_TABLE_NAME).toBeUndefined();
  });

  it('fails with a message naming a required variable that is missing or empty', () => {
    // Prepare
    const missing = { OTP_TABLE_NAME: 'codes' };
    const empty = { ...VERIFY_ENV, OTP_TABLE_NAME: '' };

    // Act
    const readMissing = () => readEnvironment('verify-otp', missing);
    const readEmpty = () => readEnvironment('verify-otp', empty);

    // Assess
    expect(readMissing).toThrow('Missing environment variable OTP_HASH_KEY_ARN');
    expect(readEmpty).toThrow('Missing environment variable OTP_TABLE_NAME');
  });

  it.each(['-1', '1.5', 'ten', '1e3', ' 5', '9007199254740993'])(
    'refuses %j for a non-negative integer, naming the variable',
    (value) => {
      // Prepare
      const source = { ...VERIFY_ENV, MAX_WRONG_ATTEMPTS_PER_CODE: value };

      // Act
      const read = () => readEnvironment('verify-otp', source);

      // Assess
      expect(read).toThrow('MAX_WRONG_ATTEMPTS_PER_CODE must be a non-negative integer');
    },
  );

  it("refuses a value outside the variable's values, naming them, when read and when set", () => {
    // Prepare
    const source = { ...VERIFY_ENV, DRIVER_IDENTITY_PROVIDER: 'saml' };

    // Act
    const read = () => readEnvironment('verify-otp', source);
    const set = () => serializeVariable('DRIVER_IDENTITY_PROVIDER', 'saml');

    // Assess
    expect(read).toThrow('DRIVER_IDENTITY_PROVIDER must be one of cognito, oidc');
    expect(set).toThrow('DRIVER_IDENTITY_PROVIDER must be one of cognito, oidc');
  });

  it('splits a space list into its words', () => {
    // Prepare
    const source = { ACCESS_TOKEN_SCOPES: 'secure-delivery/verify  openid ' };

    // Act
    const env = readEnvironment('add-token-scope', source);

    // Assess
    expect(env.ACCESS_TOKEN_SCOPES).toEqual(['secure-delivery/verify', 'openid']);
  });

  it('gives a handler its defaults when nothing is set, so a default lives in the contract only', () => {
    // Prepare
    const source = {
      OTP_TABLE_NAME: 'codes',
      RECIPIENT_TABLE_NAME: 'recipients',
      SENDER_EMAIL: 'no-reply@example.com',
    };

    // Act
    const env = readEnvironment('send-receipt', source);

    // Assess
    expect(env.EMAIL_CLAIM_LEASE_SECONDS).toBe(ENVIRONMENT.EMAIL_CLAIM_LEASE_SECONDS.default);
    expect(env.SES_CONFIGURATION_SET).toBeUndefined();
  });

  it('declares only variables of the contract, never a platform variable, for every handler', () => {
    // Prepare
    const declared = Object.values(HANDLER_VARIABLES).flat();

    // Act
    const platform = declared.filter((name) => 'platform' in ENVIRONMENT[name]);

    // Assess
    expect(platform).toEqual([]);
  });
});

describe('serializeVariable', () => {
  it.each([
    ['MAX_RESENDS_PER_CODE', -1],
    ['MAX_RESENDS_PER_CODE', 2.5],
    ['ACCESS_TOKEN_SCOPES', []],
    ['ACCESS_TOKEN_SCOPES', ['two words']],
    ['OTP_TABLE_NAME', ''],
  ] as const)('refuses to set %s to %j, failing the synth', (name, value) => {
    // Prepare, Act
    const serialize = () => serializeVariable(name, value as never);

    // Assess
    expect(serialize).toThrow(name);
  });
});

describe('SecureDeliveryFunction', () => {
  it('refuses at synth a variable its handler does not read, even when the type was widened', () => {
    // Prepare
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Refuse');
    const table = new Table(stack, 'Table', { partitionKey: { name: 'pk', type: AttributeType.STRING } });
    const fn: SecureDeliveryFunction = new SecureDeliveryFunction(stack, 'Assign', {
      handlerName: 'assign-driver',
    });

    // Act
    const bind = () =>
      (fn as SecureDeliveryFunction<'track-otp'>).bindTable(
        'RECIPIENT_TABLE_NAME',
        table,
        'dynamodb:GetItem',
      );

    // Assess
    expect(bind).toThrow('assign-driver does not read RECIPIENT_TABLE_NAME');
  });

  it('refuses by type a setting the handler does not read', () => {
    // Prepare
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'RefuseType');
    const fn = new SecureDeliveryFunction(stack, 'Verify', { handlerName: 'verify-otp' });

    // Act
    // @ts-expect-error verify-otp does not read MAX_RESENDS_PER_CODE.
    const set = () => fn.setEnvironment('MAX_RESENDS_PER_CODE', 3);

    // Assess
    expect(set).toThrow('verify-otp does not read MAX_RESENDS_PER_CODE');
  });

  it("sets a setting left out to the contract's default, and refuses leaving out one without a default", () => {
    // Prepare
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Defaults');
    const verify = new SecureDeliveryFunction(stack, 'Verify', { handlerName: 'verify-otp' });
    const check = new SecureDeliveryFunction(stack, 'Check', { handlerName: 'check-value' });

    // Act
    verify
      .setEnvironment('MAX_WRONG_ATTEMPTS_PER_CODE', undefined)
      .setEnvironment('MAX_WRONG_ATTEMPTS_PER_PARCEL', 7);
    // @ts-expect-error OTP_THRESHOLDS has no default: its value must be given.
    const leaveOut = () => check.setEnvironment('OTP_THRESHOLDS');

    // Assess
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          MAX_WRONG_ATTEMPTS_PER_CODE: String(ENVIRONMENT.MAX_WRONG_ATTEMPTS_PER_CODE.default),
          MAX_WRONG_ATTEMPTS_PER_PARCEL: '7',
        }),
      },
    });
    expect(leaveOut).toThrow('OTP_THRESHOLDS has no default: give its value');
  });
});
