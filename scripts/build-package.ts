/**
 * Builds the package into `dist/` (`npm run build`; `npm pack` runs it as `prepack`): tsc emits
 * `lib/index.ts` and everything it imports as JavaScript and `.d.ts` (relative `.ts` imports rewritten to
 * `.js`), esbuild pre-builds every handler's bundle and the driver app into `dist/assets/`, where
 * `lib/built-assets.ts` finds them, and the licences of the third-party code inside those bundles are
 * collected beside them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { buildDriverApp } from '../driver-app/build.ts';
import { HANDLER_VARIABLES, type HandlerName } from '../lambdas/contracts/environment.ts';
import { bundleHandler, driverAppBundleDir, handlerBundleDir } from '../lib/built-assets.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(REPO_ROOT, 'dist');
const ASSETS = join(DIST, 'assets');

/** The folder of the npm package a bundled file came from (`node_modules/@scope/name/…`), if any. */
function packageOf(input: string): string | undefined {
  return /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
}

/** The MIT licence's text (SPDX `MIT`), for a package that names the licence but ships no licence file. */
const MIT_TEXT = `Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction, including
without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the
following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial
portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT
LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO
EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN
AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE
OR OTHER DEALINGS IN THE SOFTWARE.`;

interface PackageManifest {
  readonly name: string;
  readonly version: string;
  readonly license?: string;
  readonly author?: string | { readonly name?: string };
}

/**
 * The notice of a package without a licence file: none for MIT-0 (it asks for none), the MIT text with the
 * package's author as copyright holder for MIT; any other licence fails the build, naming the package.
 */
function noticeWithoutFile(manifest: PackageManifest): string {
  if (manifest.license === 'MIT-0') return '(MIT-0 asks for no notice; the package ships no licence file)';
  const author = typeof manifest.author === 'string' ? manifest.author : manifest.author?.name;
  if (manifest.license === 'MIT' && author)
    return `MIT License (the package ships no licence file; the copyright holder is its package.json author)\n\nCopyright (c) ${author}\n\n${MIT_TEXT}`;
  throw new Error(
    `${manifest.name}@${manifest.version} (${manifest.license ?? 'no licence'}) is bundled but ships no licence file: add its notice to scripts/build-package.ts`,
  );
}

/** One section per bundled package: name, version, licence, and its licence file's text. */
function thirdPartyLicences(packageDirs: ReadonlySet<string>): string {
  const sections = [...packageDirs].sort().map((packageDir) => {
    const dir = join(REPO_ROOT, packageDir);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageManifest;
    // Every licence file: libphonenumber-js ships its own (MIT) and its metadata's (Google's, Apache-2.0).
    const licenceFiles = readdirSync(dir).filter((file) => /^licen[cs]e/i.test(file));
    const text =
      licenceFiles.length > 0
        ? licenceFiles.map((file) => readFileSync(join(dir, file), 'utf8').trim()).join('\n\n')
        : noticeWithoutFile(manifest);
    return `## ${manifest.name}@${manifest.version} (${manifest.license ?? 'UNKNOWN'})\n\n${text}\n`;
  });
  return `# Third-party code in the pre-built bundles\n\nThe handler bundles and the driver app under this folder include code of these packages.\n\n${sections.join('\n')}`;
}

rmSync(DIST, { recursive: true, force: true });
execFileSync(join(REPO_ROOT, 'node_modules', '.bin', 'tsc'), ['-p', join(REPO_ROOT, 'tsconfig.build.json')], {
  stdio: 'inherit',
});

const bundled = new Set<string>();
for (const handlerName of Object.keys(HANDLER_VARIABLES) as HandlerName[]) {
  for (const input of bundleHandler(handlerName, handlerBundleDir(ASSETS, handlerName))) {
    const name = packageOf(input);
    if (name) bundled.add(name);
  }
}
buildDriverApp(driverAppBundleDir(ASSETS));
// The driver app's packages, as its build bundles them (browser platform).
const driverAppInputs = buildSync({
  absWorkingDir: REPO_ROOT,
  entryPoints: ['driver-app/src/app.ts', 'driver-app/src/sw.ts'],
  bundle: true,
  format: 'esm',
  write: false,
  metafile: true,
  outdir: 'unused',
  logLevel: 'silent',
}).metafile.inputs;
for (const input of Object.keys(driverAppInputs)) {
  const name = packageOf(input);
  if (name) bundled.add(name);
}
writeFileSync(join(ASSETS, 'THIRD-PARTY-LICENSES.md'), thirdPartyLicences(bundled));

if (!existsSync(join(DIST, 'lib', 'index.js'))) throw new Error('tsc emitted no dist/lib/index.js');
