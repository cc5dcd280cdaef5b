import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../sandbox/app/paths.ts';

describe('the HTTP handlers’ bundles', () => {
  it.each(['verify-otp', 'track-otp', 'resend-otp'])(
    '%s loads no zod: the event schemas stay out of the HTTP path (cold start)',
    async (handlerName) => {
      // Prepare
      const entry = join(REPO_ROOT, 'lambdas', handlerName, 'handler.ts');

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
      expect(inputs.some((input) => input.includes(`lambdas/${handlerName}/handler.ts`))).toBe(true);
      expect(inputs.filter((input) => input.includes('node_modules/zod/'))).toEqual([]);
    },
  );
});
