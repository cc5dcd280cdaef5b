/**
 * `npx cdk synth` as an operator runs it in a fresh clone, with no AWS credentials and no CDK_DEFAULT_ACCOUNT:
 * it stops naming what to set, synthesizes with the four settings docs/deploy.md asks for, and the offline
 * inspection synth needs none.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = new URL('../..', import.meta.url).pathname;

/** The environment without anything that names an AWS account, Region or credentials. */
function cleanEnvironment(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(AWS_|CDK_DEFAULT_)/.test(name)),
  );
  const nowhere = join(mkdtempSync(join(tmpdir(), 'secure-delivery-no-aws-')), 'none');
  return {
    ...env,
    AWS_CONFIG_FILE: nowhere,
    AWS_SHARED_CREDENTIALS_FILE: nowhere,
    CDK_DISABLE_VERSION_CHECK: '1',
    NO_COLOR: '1',
  };
}

/** `npx cdk synth <args>` into a fresh folder: exit code, output, and the stack's template when there is one. */
async function cdkSynth(
  args: readonly string[],
): Promise<{ code: number | null; output: string; template?: string }> {
  const outdir = mkdtempSync(join(tmpdir(), 'secure-delivery-cdk-out-'));
  const child = spawn('npx', ['cdk', 'synth', '--quiet', '-o', outdir, ...args], {
    cwd: REPO_ROOT,
    env: cleanEnvironment(),
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  let template: string | undefined;
  try {
    template = readFileSync(join(outdir, 'SecureDelivery.template.json'), 'utf8');
  } catch {
    template = undefined;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
  return { code, output, ...(template === undefined ? {} : { template }) };
}

describe('npx cdk synth in a fresh clone', () => {
  it('exits non-zero naming the sender email, the alarm destination and the account when nothing is set', async () => {
    // Act
    const { code, output, template } = await cdkSynth([]);

    // Assess
    expect(code).not.toBe(0);
    expect(output).toContain('secureDelivery:senderEmail');
    expect(output).toContain('secureDelivery:alarmEmail or secureDelivery:alarmTopicArn');
    expect(output).toContain('secureDelivery:account');
    expect(template).toBeUndefined();
  }, 120_000);

  it('synthesizes with sender, alarm email, account and Region: no placeholder, names from the stack, vended log groups, RetainExceptOnCreate', async () => {
    // Act
    const { code, output, template } = await cdkSynth([
      '-c',
      'secureDelivery:senderEmail=no-reply@parcels.acme-carrier.de',
      '-c',
      'secureDelivery:alarmEmail=oncall@acme-carrier.de',
      '-c',
      'secureDelivery:account=123456789012',
      '-c',
      'secureDelivery:region=eu-central-1',
    ]);

    // Assess
    expect(code, output).toBe(0);
    const text = template ?? '';
    const parsed = JSON.parse(text) as {
      Resources: Record<string, { Type: string; DeletionPolicy?: string; Properties?: { Content?: string } }>;
    };
    // Not even the event schemas' examples name a placeholder domain (their recipient is at mail.test).
    expect(text).not.toContain('example.com');
    expect(text).not.toContain('111111111111');
    expect(text).toContain('"Name": "SecureDelivery-DriverApp-security-headers-eu-central-1"');
    expect(text).toContain('"Name": "SecureDelivery-DriverApp-oac-eu-central-1"');
    expect(text).toContain('"LogGroupName": "/aws/vendedlogs/states/SecureDelivery-Issuing"');
    expect(text).toContain('"LogGroupName": "/aws/vendedlogs/apigateway/SecureDelivery-DeliveryApi-access"');
    expect(text).toMatch(/"Domain": "securedelivery-drivers-[0-9a-f]{8}"/);
    const resources = parsed.Resources;
    const tables = Object.values(resources).filter((resource) => resource.Type === 'AWS::DynamoDB::Table');
    expect(tables.map((table) => table.DeletionPolicy)).toEqual([
      'RetainExceptOnCreate',
      'RetainExceptOnCreate',
    ]);
    expect(Object.values(resources).filter((resource) => resource.DeletionPolicy === 'Retain')).toEqual([]);
  }, 180_000);

  it('synthesizes for reading with -c secureDelivery:inspect=true alone', async () => {
    // Act
    const { code, output, template } = await cdkSynth(['-c', 'secureDelivery:inspect=true']);

    // Assess
    expect(code, output).toBe(0);
    expect(template).toContain('"InspectionOnly"');
  }, 180_000);
});
