import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The prefix of the folder each test run keeps its temporary files in. */
export const TEST_RUN_TMPDIR_PREFIX = 'secure-delivery-test-run-';

/**
 * Vitest global setup: every temporary file of the run lands in one folder of its own, removed when the
 * run ends. A CDK app without an outdir synthesizes into `<tmpdir>/cdk.out…` (~20 MB each, 2.6 GB a run
 * that nothing removed); workers and the processes tests start (the CDK CLI, the smoke test) inherit TMPDIR.
 */
export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const scratch = mkdtempSync(join(tmpdir(), TEST_RUN_TMPDIR_PREFIX));
  process.env.TMPDIR = scratch;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(scratch, { recursive: true, force: true });
  };
}
