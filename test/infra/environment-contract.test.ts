import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  BINDING_GROUPS,
  ENVIRONMENT,
  HANDLER_VARIABLES,
  isHandlerName,
  isVariableName,
  platformEnvironment,
  readEnvironment,
  type VariableName,
  type VariableSpec,
} from '../../lambdas/contracts/environment.ts';
import { DEFAULT_CONFIG, type SecureDeliveryConfig } from '../../lib/config.ts';
import { HANDLER_SOURCE_METADATA } from '../../lib/lambda-defaults.ts';
import { SecureDeliveryStack } from '../../lib/secure-delivery-stack.ts';
import { REQUIRED_CONTEXT } from '../support/stack-settings.ts';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENV = { account: '123456789012', region: 'eu-central-1' };
/** The contract module: the one file under `lambdas/` that may touch `process.env`. */
const CONTRACT_MODULE = 'lambdas/contracts/environment.ts';
/**
 * Functions CDK itself adds (BucketDeployment's singleton): not ours, no handler under `lambdas/`. Any
 * other function without the handler-source metadata fails the check.
 */
const CDK_OWNED_FUNCTION = /^CustomCDKBucketDeployment/;

type FunctionResource = {
  Type: string;
  Metadata?: Record<string, unknown>;
  Properties: { Environment?: { Variables?: Record<string, unknown> } };
};
type Resources = Record<string, FunctionResource>;

function synthesize(config: Partial<SecureDeliveryConfig> = {}): Resources {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...REQUIRED_CONTEXT } });
  return Template.fromStack(new SecureDeliveryStack(app, 'EnvTest', { env: ENV, config })).toJSON()
    .Resources as Resources;
}

/** Each function's handler (from its metadata) and environment. */
function functionsOf(resources: Resources) {
  return Object.entries(resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
    .map(([id, resource]) => {
      const source = resource.Metadata?.[HANDLER_SOURCE_METADATA];
      const handler =
        typeof source === 'string' ? /^lambdas\/([^/]+)\/handler\.ts$/.exec(source)?.[1] : undefined;
      return { id, source, handler, variables: resource.Properties.Environment?.Variables ?? {} };
    });
}

/** Every way the template's functions break the environment contract, one line each. */
function contractViolations(resources: Resources): string[] {
  const violations: string[] = [];
  for (const { id, source, handler, variables } of functionsOf(resources)) {
    if (source === undefined) {
      if (!CDK_OWNED_FUNCTION.test(id)) violations.push(`${id}: no ${HANDLER_SOURCE_METADATA} metadata`);
      continue;
    }
    if (handler === undefined || !isHandlerName(handler)) {
      violations.push(`${id}: handler ${String(source)} is not in the contract`);
      continue;
    }
    const declared: readonly string[] = HANDLER_VARIABLES[handler];
    const platform = platformEnvironment(handler);
    for (const name of Object.keys(variables)) {
      if (!isVariableName(name)) violations.push(`${handler}: sets ${name}, which is not in the contract`);
      else if (!(name in platform) && !declared.includes(name))
        violations.push(`${handler}: sets ${name}, which its handler does not read`);
    }
    for (const name of declared) {
      // An optional variable may stay unset (the SMS channel's, without `sms`); a required one may not.
      if (!(name in variables) && !(ENVIRONMENT[name as VariableName] as VariableSpec).optional)
        violations.push(`${handler}: reads ${name}, which is not set`);
    }
    // A binding group is set whole or not at all: one variable of it without the others is half a grant.
    for (const [group, members] of Object.entries(BINDING_GROUPS)) {
      const set = members.filter((name) => name in variables);
      if (set.length > 0 && set.length < members.length)
        violations.push(`${handler}: sets ${set.join(', ')} of the ${group} group, not all of it`);
    }
    // What the handler's init would make of the values (a reference to a resource stands in as text).
    const asText = Object.fromEntries(
      Object.entries(variables).map(([name, value]) => [name, typeof value === 'string' ? value : 'ref']),
    );
    try {
      readEnvironment(handler, asText);
    } catch (error) {
      violations.push(`${handler}: ${(error as Error).message}`);
    }
    for (const [name, value] of Object.entries(platform)) {
      if (variables[name] !== value) violations.push(`${handler}: platform variable ${name} is not ${value}`);
    }
  }
  return violations;
}

/** The (mutable) environment of the function of `handler`. */
function variablesOf(resources: Resources, handler: string): Record<string, unknown> {
  const variables = functionsOf(resources).find((fn) => fn.handler === handler)?.variables;
  if (!variables) throw new Error(`no function for ${handler}`);
  return variables;
}

/** The value of `variable` on the function of `handler`. */
const valueOn = (resources: Resources, handler: string, variable: VariableName) =>
  functionsOf(resources).find((fn) => fn.handler === handler)?.variables[variable];

function* sourceFiles(folder: string): Generator<string> {
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (name.endsWith('.ts')) yield path;
  }
}

describe('the environment contract', () => {
  const resources = synthesize();
  const withSms = synthesize({
    smsOriginationIdentityArn: 'arn:aws:sms-voice:eu-central-1:123456789012:pool/pool-0123456789abcdef',
  });

  it('holds for every function in the template: each sets exactly what its handler reads, plus the platform variables', () => {
    // Prepare: the template (above)

    // Act
    const violations = [...contractViolations(resources), ...contractViolations(withSms)];

    // Assess: record-sms-delivery exists with the SMS channel only.
    expect(violations).toEqual([]);
    const handlers = [resources, withSms].flatMap((template) =>
      functionsOf(template).flatMap((fn) => (fn.handler ? [fn.handler] : [])),
    );
    expect(new Set(handlers)).toEqual(new Set(Object.keys(HANDLER_VARIABLES)));
  });

  it('fails a function that sets a variable its handler does not read', () => {
    // Prepare
    const mutated = structuredClone(resources);
    variablesOf(mutated, 'verify-otp').RECIPIENT_TABLE_NAME = 'recipients';

    // Act
    const violations = contractViolations(mutated);

    // Assess
    expect(violations).toEqual(['verify-otp: sets RECIPIENT_TABLE_NAME, which its handler does not read']);
  });

  it('fails a function that does not set a variable its handler reads', () => {
    // Prepare
    const mutated = structuredClone(resources);
    delete variablesOf(mutated, 'apply-lifecycle').MAX_DELIVERY_DAYS_AHEAD;

    // Act
    const violations = contractViolations(mutated);

    // Assess
    expect(violations).toEqual(['apply-lifecycle: reads MAX_DELIVERY_DAYS_AHEAD, which is not set']);
  });

  it('fails a function that sets one variable of a binding group without the others', () => {
    // Prepare
    const mutated = structuredClone(withSms);
    delete variablesOf(mutated, 'resend-otp').SMS_CONFIGURATION_SET;

    // Act
    const violations = contractViolations(mutated);

    // Assess
    expect(violations).toEqual([
      'resend-otp: sets SMS_ORIGINATION_IDENTITY, SMS_PROTECT_CONFIGURATION_ID, SMS_MAX_PRICE, SMS_DAILY_LIMIT_PER_NUMBER of the sms group, not all of it',
    ]);
  });

  it('holds with the SMS channel too, whose five functions then set both its variables', () => {
    // Act
    const violations = contractViolations(withSms);
    const setting = functionsOf(withSms)
      .filter((fn) => 'SMS_ORIGINATION_IDENTITY' in fn.variables && 'SMS_CONFIGURATION_SET' in fn.variables)
      .map((fn) => fn.handler)
      .sort();

    // Assess
    expect(violations).toEqual([]);
    expect(setting).toEqual([
      'record-delivery',
      'resend-otp',
      'send-otp-email',
      'send-receipt',
      'sweep-delayed',
    ]);
  });

  it('fails a function whose value its handler would refuse at init', () => {
    // Prepare
    const mutated = structuredClone(resources);
    variablesOf(mutated, 'resend-otp').MAX_RESENDS_PER_CODE = 'three';

    // Act
    const violations = contractViolations(mutated);

    // Assess
    expect(violations).toEqual(['resend-otp: MAX_RESENDS_PER_CODE must be a non-negative integer']);
  });

  it('fails a function of ours that names no handler', () => {
    // Prepare
    const mutated = structuredClone(resources);
    const assign = functionsOf(mutated).find((fn) => fn.handler === 'assign-driver');
    delete mutated[assign?.id ?? '']?.Metadata?.[HANDLER_SOURCE_METADATA];

    // Act
    const violations = contractViolations(mutated);

    // Assess
    expect(violations).toEqual([`${assign?.id}: no ${HANDLER_SOURCE_METADATA} metadata`]);
  });

  it('gives apply-lifecycle the configured maxDeliveryDaysAhead, so a reissue allows what the first issue allows', () => {
    // Prepare
    const config = { maxDeliveryDaysAhead: 120 };

    // Act
    const configured = synthesize(config);

    // Assess
    for (const handler of ['check-value', 'issue-otp', 'apply-lifecycle'])
      expect(valueOn(configured, handler, 'MAX_DELIVERY_DAYS_AHEAD')).toBe('120');
  });

  it.each([0, -5, 2.5])('refuses maxDeliveryDaysAhead %j at synth', (days) => {
    // Prepare
    const app = new App({
      context: {
        'aws:cdk:bundling-stacks': [],
        ...REQUIRED_CONTEXT,
        'secureDelivery:maxDeliveryDaysAhead': days,
      },
    });

    // Act
    const build = () => new SecureDeliveryStack(app, 'BadDays', { env: ENV });

    // Assess
    expect(build).toThrow('secureDelivery:maxDeliveryDaysAhead must be >= 1');
  });

  it('sets the claim leases and the delayed-email timeout from the contract default, on every function that reads them', () => {
    // Prepare: the templates (above), built without settings

    // Act
    const leases = {
      email: ['send-otp-email', 'send-receipt'].map((h) =>
        valueOn(resources, h, 'EMAIL_CLAIM_LEASE_SECONDS'),
      ),
      // The SMS claim's lease comes with the SMS channel.
      sms: ['record-delivery', 'sweep-delayed'].map((h) => valueOn(withSms, h, 'SMS_CLAIM_LEASE_SECONDS')),
      delayed: valueOn(resources, 'sweep-delayed', 'EMAIL_DELAYED_TIMEOUT_SECONDS'),
    };

    // Assess
    const emailLease = String(ENVIRONMENT.EMAIL_CLAIM_LEASE_SECONDS.default);
    const smsLease = String(ENVIRONMENT.SMS_CLAIM_LEASE_SECONDS.default);
    expect(leases).toEqual({
      email: [emailLease, emailLease],
      sms: [smsLease, smsLease],
      delayed: String(ENVIRONMENT.EMAIL_DELAYED_TIMEOUT_SECONDS.default),
    });
  });

  it('takes every setting default that becomes a variable from the contract', () => {
    // Prepare
    const settings: [keyof SecureDeliveryConfig, VariableName, number][] = [
      ['maxWrongAttemptsPerCode', 'MAX_WRONG_ATTEMPTS_PER_CODE', 1],
      ['maxWrongAttemptsPerParcel', 'MAX_WRONG_ATTEMPTS_PER_PARCEL', 1],
      ['recordRetentionDays', 'RECORD_RETENTION_DAYS', 1],
      ['maxResendsPerCode', 'MAX_RESENDS_PER_CODE', 1],
      ['maxDeliveryDaysAhead', 'MAX_DELIVERY_DAYS_AHEAD', 1],
      ['emailDelayedFallbackMinutes', 'EMAIL_DELAYED_TIMEOUT_SECONDS', 60],
    ];

    // Act
    const mismatched = settings.filter(
      ([setting, variable, unit]) =>
        Number(DEFAULT_CONFIG[setting]) * unit !== (ENVIRONMENT[variable] as { default?: unknown }).default,
    );

    // Assess
    expect(mismatched).toEqual([]);
  });

  it('is the only module under lambdas/ that touches process.env, so a handler reads nothing it did not declare', () => {
    // Prepare
    const files = [...sourceFiles(join(REPO_ROOT, 'lambdas'))].map((file) => relative(REPO_ROOT, file));

    // Act
    const readers = files.filter((file) =>
      /process\s*\.\s*env|process\s*\[/.test(readFileSync(join(REPO_ROOT, file), 'utf8')),
    );

    // Assess
    expect(files).toContain(CONTRACT_MODULE);
    expect(readers).toEqual([CONTRACT_MODULE]);
  });
});
