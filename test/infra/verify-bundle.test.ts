import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../sandbox/app/paths.ts';

describe('verify-otp bundle', () => {
  it('holds no EventBridge client: the handover event comes from the table stream', async () => {
    // Prepare
    const entry = join(REPO_ROOT, 'lambdas', 'verify-otp', 'handler.ts');

    // Act
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      mainFields: ['module', 'main'],
      logLevel: 'silent',
    });

    // Assess
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((input) => input.includes('@aws-sdk/client-dynamodb'))).toBe(true);
    expect(inputs.filter((input) => input.includes('client-eventbridge'))).toEqual([]);
    expect(inputs.filter((input) => input.includes('event-publisher'))).toEqual([]);
  });
});
