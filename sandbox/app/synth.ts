/** The product's stack, synthesized in-process for the sandbox to run. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { DriverIdentity } from '../../lib/driver-identity.ts';
import { SecureDeliveryStack } from '../../lib/secure-delivery-stack.ts';
import type { SandboxEnv, Template } from '../emulators/template.ts';
import { SANDBOX_OIDC_DRIVERS } from './settings.ts';

/** The sandbox's From address: on `.test` (RFC 2606), which no one can register, as the sandbox sends nothing out. */
export const SANDBOX_SENDER_EMAIL = 'no-reply@secure-delivery.test';

/** The settings a deployment must bring (docs/deploy.md#settings), the sandbox's own. */
const SANDBOX_SETTINGS: Record<string, unknown> = {
  'secureDelivery:senderEmail': SANDBOX_SENDER_EMAIL,
  'secureDelivery:alarmEmail': 'alarms@secure-delivery.test',
};

/**
 * Synthesizes the real stack in-process, skipping asset bundling (the sandbox runs handler sources
 * directly), and returns its template. The assembly folder is removed once read: it holds ~20 MB of staged
 * assets, and every sandbox boot and test synthesizes anew.
 */
export function synthesizeTemplate(
  env: SandboxEnv,
  context: Record<string, unknown> = {},
  drivers: SandboxDrivers = 'cognito',
): Template {
  const outdir = mkdtempSync(join(tmpdir(), 'secure-delivery-synth-'));
  try {
    return JSON.parse(
      readFileSync(synthesizeAssembly(env, { context, drivers, outdir }), 'utf8'),
    ) as Template;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Who the sandbox's drivers are: the stack's own Cognito pool, or an OIDC provider of the carrier's. */
export type SandboxDrivers = 'cognito' | 'oidc';

/**
 * Synthesizes the stack into a cloud assembly folder, as `npx cdk synth` does (asset bundling skipped),
 * and returns the template file's path (`<outdir>/<Stack>.template.json`, `manifest.json` beside it).
 */
export function synthesizeAssembly(
  env: SandboxEnv,
  options: {
    /** cdk.json-style context overrides. */
    readonly context?: Record<string, unknown>;
    /** The assembly folder; a new temporary one by default, which the caller removes. */
    readonly outdir?: string;
    /** Who the drivers are; `cognito` by default. */
    readonly drivers?: SandboxDrivers;
  } = {},
): string {
  const { context = {}, outdir = mkdtempSync(join(tmpdir(), 'secure-delivery-synth-')), drivers } = options;
  const app = new App({
    outdir,
    context: {
      'aws:cdk:bundling-stacks': [],
      ...SANDBOX_SETTINGS,
      // The sandbox sends SMS (its SMS endpoint stands in for End User Messaging), from a pool of its own.
      'secureDelivery:smsOriginationIdentityArn': sandboxSmsIdentityArn(env),
      ...context,
    },
  });
  new SecureDeliveryStack(app, env.stackName, {
    env: { account: env.accountId, region: env.region },
    ...(drivers === 'oidc'
      ? {
          drivers: DriverIdentity.oidc({
            ...SANDBOX_OIDC_DRIVERS,
            audience: [...SANDBOX_OIDC_DRIVERS.audience],
          }),
        }
      : {}),
  });
  const stack = app.synth().getStackByName(env.stackName);
  return join(outdir, stack.templateFile);
}

/** The origination identity the sandbox's code SMS go from: a pool in the sandbox's account and region. */
export function sandboxSmsIdentityArn(env: SandboxEnv): string {
  return `arn:aws:sms-voice:${env.region}:${env.accountId}:pool/pool-sandbox-secure-delivery`;
}
