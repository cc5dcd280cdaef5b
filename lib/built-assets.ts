/**
 * What the construct deploys that is built from source: each handler's bundle and the driver app. In the
 * package (`npm pack`) both are pre-built into `dist/assets/` (`npm run build`), so an adopter needs neither
 * esbuild, Docker nor this repository's lockfile; in the repository esbuild builds them at synth from source.
 * Either way the code is a plain asset folder, built by the one definition below.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { type ISource, Source } from 'aws-cdk-lib/aws-s3-deployment';
import type { BuildOptions } from 'esbuild';
import { buildDriverApp, DRIVER_APP_DIR } from '../driver-app/build.ts';

/** Pre-built assets beside the compiled code: `dist/assets/` in the package; absent in the repository. */
const PREBUILT_DIR = fileURLToPath(new URL('../assets/', import.meta.url));
/** Where `lambdas/<handler>/handler.ts` sources are: the repository root (not shipped in the package). */
const SOURCE_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The module every handler bundle is (Lambda's `handler` is `index.handler`). */
export const HANDLER_BUNDLE_FILE = 'index.mjs';

/** Folder of handler `handlerName`'s pre-built bundle under an assets folder (`dist/assets/`). */
export function handlerBundleDir(assetsDir: string, handlerName: string): string {
  return join(assetsDir, 'handlers', handlerName);
}

/** Folder of the pre-built driver app under an assets folder (`dist/assets/`). */
export function driverAppBundleDir(assetsDir: string): string {
  return join(assetsDir, 'driver-app');
}

/**
 * How every handler is bundled, entry and output aside: minified ESM for Node.js 24 with a source map; the
 * AWS SDK v3 stays external (the runtime provides it). The bench's cold start bundles with these too.
 */
export const HANDLER_BUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  minify: true,
  sourcemap: true,
  external: ['@aws-sdk/*'],
  mainFields: ['module', 'main'],
  // ESM bundles of CommonJS dependencies still call require().
  banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
  logLevel: 'warning',
} satisfies BuildOptions;

/**
 * Bundles `lambdas/<handlerName>/handler.ts` into `outDir` ({@link HANDLER_BUILD_OPTIONS}). Returns the
 * bundled files, relative to the repository. esbuild is a development dependency, so it is loaded only
 * here: in the repository at synth and in the package build.
 */
export function bundleHandler(handlerName: string, outDir: string): string[] {
  const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
  const result = esbuild.buildSync({
    ...HANDLER_BUILD_OPTIONS,
    absWorkingDir: SOURCE_ROOT,
    metafile: true,
    entryPoints: [handlerSource(handlerName)],
    outfile: join(outDir, HANDLER_BUNDLE_FILE),
  });
  return Object.keys(result.metafile.inputs);
}

/** The source of handler `handlerName` in this repository: `lambdas/<handlerName>/handler.ts`. */
export function handlerSource(handlerName: string): string {
  return join(SOURCE_ROOT, 'lambdas', handlerName, 'handler.ts');
}

/**
 * The code of handler `handlerName`: its pre-built bundle when running from the package, else bundled from
 * source at synth (no container: the image is never pulled; `aws:cdk:bundling-stacks` skips it as usual).
 */
export function handlerCode(handlerName: string): Code {
  const prebuilt = handlerBundleDir(PREBUILT_DIR, handlerName);
  if (existsSync(join(prebuilt, HANDLER_BUNDLE_FILE))) return Code.fromAsset(prebuilt);
  const sourceDir = join(SOURCE_ROOT, 'lambdas', handlerName);
  if (!existsSync(join(sourceDir, 'handler.ts')))
    throw new Error(
      `No code for handler ${handlerName}: neither ${join(prebuilt, HANDLER_BUNDLE_FILE)} (package) nor ${join(sourceDir, 'handler.ts')} (repository); run npm run build before packing`,
    );
  return Code.fromAsset(sourceDir, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: DockerImage.fromRegistry('none'),
      local: {
        tryBundle(outputDir) {
          bundleHandler(handlerName, outputDir);
          return true;
        },
      },
    },
  });
}

/** The driver app's files (no `config.json`): pre-built in the package, built from `driver-app/` at synth in the repository. */
export function driverAppSource(): ISource {
  const prebuilt = driverAppBundleDir(PREBUILT_DIR);
  if (existsSync(join(prebuilt, 'index.html'))) return Source.asset(prebuilt);
  return Source.asset(DRIVER_APP_DIR, {
    exclude: ['dist', '*.md'],
    bundling: {
      // esbuild runs in-process at synth; no container (the image is never pulled).
      image: DockerImage.fromRegistry('none'),
      local: {
        tryBundle(outputDir) {
          buildDriverApp(outputDir);
          return true;
        },
      },
    },
  });
}
