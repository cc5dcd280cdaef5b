import { tmpdir } from 'node:os';
import { basename, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEST_RUN_TMPDIR_PREFIX } from '../support/run-tmpdir.ts';

describe('the test run’s temporary files', () => {
  it('land in a folder of the run’s own, which the run removes: CDK apps without an outdir leave ~20 MB each', () => {
    // Act
    const folder = tmpdir();

    // Assess
    expect(basename(folder).startsWith(TEST_RUN_TMPDIR_PREFIX)).toBe(true);
    expect(dirname(folder)).not.toBe(folder);
  });
});
