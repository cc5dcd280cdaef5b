import { join } from 'node:path';
import { build } from 'esbuild';
import { REPO_ROOT } from '../../sandbox/app/paths.ts';

/**
 * The files esbuild puts in the bundle of handler `handlerName` (as `SecureDeliveryFunction` bundles it:
 * ESM for Node, `module` before `main`), relative to the repository.
 */
export async function bundledInputs(handlerName: string): Promise<string[]> {
  const result = await build({
    entryPoints: [join(REPO_ROOT, 'lambdas', handlerName, 'handler.ts')],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    mainFields: ['module', 'main'],
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs);
}

// The bench times each handler beside its clients alone, so the analysis lives with it.
export { handlerSdkImports as sdkImports, type SdkImports } from '../../bench/handler-imports.ts';
