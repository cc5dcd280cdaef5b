import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { synthesizeTemplate } from '../../sandbox/app/synth.ts';

describe('the sandbox synthesizing its template', () => {
  const originalTmpdir = process.env.TMPDIR;
  let scratch: string;

  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'secure-delivery-synth-test-'));
    // os.tmpdir() reads TMPDIR on every call: the synth's temporary folders land here
    process.env.TMPDIR = scratch;
  });

  afterEach(() => {
    if (originalTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = originalTmpdir;
    rmSync(scratch, { recursive: true, force: true });
  });

  it('leaves no assembly folder behind: every boot and test synthesizes, each folder ~20 MB', () => {
    // Act
    const template = synthesizeTemplate({
      accountId: '000000000000',
      region: 'eu-central-1',
      stackName: 'Leak',
    });

    // Assess
    expect(Object.keys(template.Resources).length).toBeGreaterThan(0);
    expect(readdirSync(scratch)).toEqual([]);
  });
});
