/**
 * `npm run smoke -- --sandbox` against the in-process sandbox, as a separate process that knows the sandbox
 * only from its endpoints file: it passes every step, and against a template whose verify function lacks
 * its `dynamodb:UpdateItem` grant it fails, naming the verify step.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SANDBOX_ENV } from '../../sandbox/app/sandbox.ts';
import { synthesizeTemplate } from '../../sandbox/app/synth.ts';
import type { Template } from '../../sandbox/emulators/template.ts';
import { SMOKE_STEPS } from '../../scripts/smoke/steps.ts';
import { startHarness } from '../support/sandbox-harness.ts';
import { freePorts, roleOfFunction, withoutAction } from '../support/template-mutation.ts';

const REPO_ROOT = new URL('../..', import.meta.url).pathname;

// One set of ports for both sandboxes: handler modules load once per process and keep their endpoints.
const ports = await freePorts();

/** Runs `npm run smoke -- --sandbox` against a sandbox booted from `template`; its exit code and output. */
async function smokeAgainst(template?: Template): Promise<{ code: number | null; output: string }> {
  const h = await startHarness([], { ports, ...(template ? { template } : {}) });
  try {
    const endpointsFile = join(mkdtempSync(join(tmpdir(), 'secure-delivery-smoke-')), 'endpoints.json');
    writeFileSync(endpointsFile, JSON.stringify(h.sandbox.endpoints));
    // Asynchronous: the sandbox answers in this process while the smoke test runs in its own.
    const child = spawn(
      'npm',
      ['run', '--silent', 'smoke', '--', '--sandbox', '--endpoints', endpointsFile],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, NO_COLOR: '1' },
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    return { code, output };
  } finally {
    await h.stop();
  }
}

describe('npm run smoke -- --sandbox', () => {
  it('passes every step against the sandbox, printing each with its duration', async () => {
    // Act
    const { code, output } = await smokeAgainst();

    // Assess
    expect(output).toContain('smoke test passed: 7 steps');
    for (const step of SMOKE_STEPS)
      expect(output).toMatch(new RegExp(`ok +\\d+\\.\\d s  ${literal(step)}: `));
    expect(code).toBe(0);
  }, 120_000);

  it('fails naming the verify step when verify lacks its dynamodb:UpdateItem grant, and still cleans up', async () => {
    // Prepare
    const template = synthesizeTemplate(SANDBOX_ENV);
    const { roleId } = roleOfFunction(template, /verify-otp/);

    // Act
    const { code, output } = await smokeAgainst(withoutAction(template, roleId, 'dynamodb:UpdateItem'));

    // Assess
    expect(output).toContain('smoke test FAILED at step "verify a wrong code (422)"');
    expect(output).toMatch(/FAIL +\d+\.\d s {2}verify a wrong code \(422\): expected 422, got 5\d\d/);
    expect(output).toMatch(/skip +0\.0 s {2}verify the right code \(200\)/);
    expect(output).toMatch(/ok +\d+\.\d s {2}clean up/);
    expect(code).toBe(1);
  }, 120_000);
});

/** `text` as a literal inside a regular expression. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
