/**
 * Builds the driver app: esbuild bundles `src/app.ts` and the service worker, the static files are copied.
 * Configuration is not built in: `config.json` is written next to the files by whoever serves them (the
 * stack's deployment, the sandbox), so one build runs in every environment.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This folder. */
export const DRIVER_APP_DIR = fileURLToPath(new URL('.', import.meta.url));

/** The app's files by name (`index.html`, `app.js`, `sw.js`, …), `config.json` excepted. */
export function buildDriverAppFiles(): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const staticDir = join(DRIVER_APP_DIR, 'static');
  for (const name of readdirSync(staticDir)) files.set(name, readFileSync(join(staticDir, name)));
  // esbuild is a development dependency: loaded when building, so the packaged construct imports it never.
  const { buildSync } = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
  const bundle = (entry: string, define: Record<string, string> = {}) => {
    const result = buildSync({
      entryPoints: [join(DRIVER_APP_DIR, 'src', entry)],
      bundle: true,
      format: 'esm',
      target: 'es2020',
      minify: true,
      legalComments: 'none',
      write: false,
      define,
    });
    const [output] = result.outputFiles;
    if (!output) throw new Error(`esbuild produced nothing for ${entry}`);
    return output.contents;
  };
  files.set('app.js', bundle('app.ts'));
  const version = createHash('sha256');
  for (const [name, contents] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    version.update(name).update(contents);
  }
  files.set('sw.js', bundle('sw.ts', { SHELL_VERSION: JSON.stringify(version.digest('hex').slice(0, 16)) }));
  return files;
}

/** Writes the built app into `outDir` (the CDK asset's bundling folder). */
export function buildDriverApp(outDir: string): void {
  mkdirSync(outDir, { recursive: true });
  for (const [name, contents] of buildDriverAppFiles()) writeFileSync(join(outDir, name), contents);
}
