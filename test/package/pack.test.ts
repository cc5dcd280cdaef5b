import { execFile } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDLER_VARIABLES } from '../../lambdas/contracts/environment.ts';
import { HANDLER_BUNDLE_FILE, handlerBundleDir } from '../../lib/built-assets.ts';
import { HANDLER_SOURCE_METADATA } from '../../lib/lambda-defaults.ts';
import {
  CONSUMER_CJS,
  CONSUMER_TS,
  SCRATCH_APP,
  SCRATCH_APP_PACKAGES,
  SCRATCH_OWN_ALARM,
  SCRATCH_STACK,
  SCRATCH_TOPIC_ARN,
} from './scratch-app.ts';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
/** Tests awaiting the scratch app's synth or type check (started in beforeAll) may wait that long. */
const SCRATCH_TIMEOUT_MS = 180_000;
// No network: npm stays offline, and the scratch app gets its packages only by links into this repository.
const OFFLINE_ENV = { ...process.env, npm_config_offline: 'true', NO_COLOR: '1' };

interface PackageManifest {
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly license?: string;
}
interface TemplateResource {
  readonly Type: string;
  readonly Properties: {
    readonly Handler?: string;
    readonly Code?: { readonly S3Key?: unknown };
    readonly AlarmDescription?: string;
    readonly AlarmActions?: unknown[];
    readonly OKActions?: unknown[];
  };
  readonly Metadata?: Record<string, unknown>;
}

let scratch: string;
let appDir: string;
let packageDir: string;
let tarballFiles: string[];
let manifest: PackageManifest;
/** The scratch app's synth (stderr and template resources), its type check (errors) and its CommonJS load, run side by side. */
let synthesized: Promise<{ stderr: string; resources: Record<string, TemplateResource> }>;
let typeErrors: Promise<string>;
let requiredFromCommonJs: Promise<unknown>;

/** Links `node_modules/<name>` of `appDir` to this repository's installed copy. */
function linkFromRepository(name: string): void {
  const link = join(appDir, 'node_modules', name);
  mkdirSync(dirname(link), { recursive: true });
  symlinkSync(join(REPO_ROOT, 'node_modules', name), link, 'dir');
}

/** The packages `entry` imports that esbuild leaves outside its bundle; fails when a relative import does not resolve. */
function externalImports(entry: string): string[] {
  const { metafile } = buildSync({
    entryPoints: [entry],
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    write: false,
    metafile: true,
    outdir: join(scratch, 'analysis'),
    logLevel: 'silent',
  });
  const outputs = Object.values(metafile.outputs);
  return [
    ...new Set(outputs.flatMap((output) => output.imports.filter((i) => i.external).map((i) => i.path))),
  ];
}

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
const packageName = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');
const isBuiltin = (specifier: string) =>
  specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0] ?? '');

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'secure-delivery-pack-'));
  appDir = join(scratch, 'app');
  packageDir = join(appDir, 'node_modules', 'secure-delivery');
  // `npm pack` runs `prepack` (npm run build) first, as it does before a publish.
  await run('npm', ['pack', '--pack-destination', scratch], { cwd: REPO_ROOT, env: OFFLINE_ENV });
  const tarball = join(scratch, readdirSync(scratch).find((name) => name.endsWith('.tgz')) ?? 'none.tgz');
  tarballFiles = (await run('tar', ['-tzf', tarball])).stdout
    .split('\n')
    .filter(Boolean)
    .map((path) => path.replace(/^package\//, ''));
  mkdirSync(packageDir, { recursive: true });
  await run('tar', ['-xzf', tarball, '-C', packageDir, '--strip-components=1']);
  manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as PackageManifest;
  // Only what the package declares, what the app imports, and Node's types: esbuild is not among them.
  const declared = [
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ];
  for (const name of [...declared, ...SCRATCH_APP_PACKAGES, '@types/node']) linkFromRepository(name);
  writeFileSync(
    join(appDir, 'package.json'),
    JSON.stringify({ name: 'scratch-app', private: true, type: 'module' }),
  );
  writeFileSync(join(appDir, 'app.mjs'), SCRATCH_APP);
  writeFileSync(join(appDir, 'consumer.ts'), CONSUMER_TS);
  writeFileSync(join(appDir, 'consumer.cjs'), CONSUMER_CJS);
  // As `cdk init` sets it up: strict, NodeNext, libraries checked too (skipLibCheck off).
  const compilerOptions = {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    types: ['node'],
  };
  writeFileSync(join(appDir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['consumer.ts'] }));
  synthesized = run(process.execPath, ['app.mjs', join(appDir, 'cdk.out')], {
    cwd: appDir,
    env: OFFLINE_ENV,
  }).then(({ stderr }) => {
    const templateFile = join(appDir, 'cdk.out', `${SCRATCH_STACK}.template.json`);
    const { Resources } = JSON.parse(readFileSync(templateFile, 'utf8'));
    return { stderr, resources: Resources as Record<string, TemplateResource> };
  });
  typeErrors = run(join(REPO_ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], {
    cwd: appDir,
  }).then(
    () => '',
    (error: { stdout?: string }) => error.stdout || String(error),
  );
  requiredFromCommonJs = run(process.execPath, ['consumer.cjs'], { cwd: appDir, env: OFFLINE_ENV });
  // Settled here so a failure is reported by the test that awaits it, not as an unhandled rejection.
  for (const pending of [synthesized, typeErrors, requiredFromCommonJs]) pending.catch(() => undefined);
}, SCRATCH_TIMEOUT_MS);

afterAll(async () => {
  await Promise.allSettled([synthesized, typeErrors, requiredFromCommonJs]);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('the packed package, installed into a CDK app outside the repository', () => {
  it('is installed outside the repository', () => {
    // Prepare
    const fromRepository = relative(REPO_ROOT, packageDir);

    // Act
    const outside = fromRepository.startsWith('..');

    // Assess
    expect(outside).toBe(true);
  });

  it('holds JavaScript with declarations, and no TypeScript sources, tests, sandbox or bench', () => {
    // Prepare
    const javascript = tarballFiles.filter((path) => path.startsWith('dist/lib/') && path.endsWith('.js'));

    // Act
    const withoutDeclarations = javascript.filter(
      (path) => !tarballFiles.includes(path.replace(/\.js$/, '.d.ts')),
    );
    const sources = tarballFiles.filter(
      (path) => /\.(ts|tsx|mts|cts)$/.test(path) && !path.endsWith('.d.ts'),
    );
    const internal = tarballFiles.filter((path) => /(^|\/)(test|sandbox|bench|scripts)\//.test(path));

    // Assess
    expect(javascript).toContain('dist/lib/index.js');
    expect(withoutDeclarations).toEqual([]);
    expect(sources).toEqual([]);
    expect(internal).toEqual([]);
  });

  it('ships the licence and notices: LICENSE (Apache-2.0), NOTICE and the licences of the bundled third-party code', () => {
    // Prepare
    const repositoryFiles = readdirSync(REPO_ROOT);

    // Act
    const shipped = (name: string) => tarballFiles.includes(name);

    // Assess
    expect(shipped('NOTICE')).toBe(true);
    expect(shipped('dist/assets/THIRD-PARTY-LICENSES.md')).toBe(true);
    expect(shipped('LICENSE')).toBe(true);
    expect(repositoryFiles).toContain('LICENSE');
    expect(manifest.license).toBe('Apache-2.0');
  });

  it('gives every bundled package whose licence asks for its notice that notice, even one that ships no licence file', () => {
    // Prepare
    const licences = readFileSync(join(packageDir, 'dist', 'assets', 'THIRD-PARTY-LICENSES.md'), 'utf8');
    const sections = licences.split(/^## /m).slice(1);
    // middy ships its MIT licence only as source headers, no licence file
    const middy = JSON.parse(
      readFileSync(join(REPO_ROOT, 'node_modules', '@middy', 'core', 'package.json'), 'utf8'),
    );

    // Act: MIT-0 alone asks for no notice
    const withoutNotice = sections
      .filter((section) => !/^\S+ \(MIT-0\)$/m.test(section.split('\n')[0] ?? ''))
      .filter((section) => !/copyright|apache license/i.test(section))
      .map((section) => section.split('\n')[0]);

    // Assess
    expect(sections.map((section) => section.split(' ')[0])).toContain(`@middy/core@${middy.version}`);
    expect(withoutNotice).toEqual([]);
  });

  it('gives libphonenumber-js (in the bundles that parse Parcel Shipped) its MIT licence and its metadata’s Apache-2.0 one', () => {
    // Prepare
    const licences = readFileSync(join(packageDir, 'dist', 'assets', 'THIRD-PARTY-LICENSES.md'), 'utf8');

    // Act
    const section = licences.split(/^## /m).find((text) => text.startsWith('libphonenumber-js@'));

    // Assess
    expect(section?.split('\n')[0]).toBe(
      `libphonenumber-js@${manifest.dependencies?.['libphonenumber-js']} (MIT)`,
    );
    expect(section).toContain('(The MIT License)');
    expect(section).toContain('Apache License');
  });

  it('imports at run time only its own JavaScript, Node built-ins and its declared dependencies', () => {
    // Prepare
    const allowed = new Set([
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
    ]);

    // Act
    const imports = externalImports(join(packageDir, 'dist', 'lib', 'index.js'));

    // Assess
    expect(
      imports.filter((specifier) => !isBuiltin(specifier) && !allowed.has(packageName(specifier))),
    ).toEqual([]);
    expect([...allowed].sort()).toEqual(['aws-cdk-lib', 'constructs', 'libphonenumber-js', 'zod']);
  });

  it('pre-builds a bundle for every handler of the contract, with only Node built-ins and the runtime’s AWS SDK left to import', () => {
    // Prepare
    const assetsDir = join(packageDir, 'dist', 'assets');
    const bundles = Object.keys(HANDLER_VARIABLES).map((name) =>
      join(handlerBundleDir(assetsDir, name), HANDLER_BUNDLE_FILE),
    );

    // Act
    const imports = bundles.flatMap(externalImports);

    // Assess
    expect(bundles.length).toBeGreaterThan(0);
    expect(
      imports.filter((specifier) => !isBuiltin(specifier) && !specifier.startsWith('@aws-sdk/')),
    ).toEqual([]);
  });

  it(
    'synthesizes with cdk-nag from the tarball, bundling nothing (no esbuild, no Docker, no lockfile)',
    async () => {
      // Prepare
      const { stderr, resources } = await synthesized;

      // Act
      const functions = Object.values(resources).filter(
        (resource) => resource.Type === 'AWS::Lambda::Function',
      );
      const bundlingLines = stderr.split('\n').filter((line) => line.includes('Bundling asset'));

      // Assess
      expect(functions.length).toBeGreaterThan(0);
      expect(bundlingLines).toEqual([]);
    },
    SCRATCH_TIMEOUT_MS,
  );

  it(
    'uses the bus, identity provider and topic the app brings: creates none, and notifies only its own alarms on the topic',
    async () => {
      // Prepare
      const { resources } = await synthesized;
      const all = Object.values(resources);

      // Act
      const created = all
        .map((resource) => resource.Type)
        .filter((type) =>
          ['AWS::Events::EventBus', 'AWS::Cognito::UserPool', 'AWS::SNS::Topic'].includes(type),
        );
      const alarms = all.filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm');
      const own = alarms.filter((alarm) => alarm.Properties.AlarmDescription === SCRATCH_OWN_ALARM);
      const construct = alarms.filter((alarm) => alarm.Properties.AlarmDescription !== SCRATCH_OWN_ALARM);

      // Assess
      expect(created).toEqual([]);
      expect(own).toHaveLength(1);
      expect(own[0]?.Properties.AlarmActions).toBeUndefined();
      expect(own[0]?.Properties.OKActions).toBeUndefined();
      expect(construct.length).toBeGreaterThan(0);
      for (const alarm of construct) {
        expect(alarm.Properties.AlarmActions).toEqual([SCRATCH_TOPIC_ARN]);
        expect(alarm.Properties.OKActions).toEqual([SCRATCH_TOPIC_ARN]);
      }
    },
    SCRATCH_TIMEOUT_MS,
  );

  it(
    'deploys each function from its pre-built bundle in the package',
    async () => {
      // Prepare
      const { resources } = await synthesized;
      const functions = Object.values(resources).filter(
        (resource) =>
          resource.Type === 'AWS::Lambda::Function' &&
          typeof resource.Metadata?.[HANDLER_SOURCE_METADATA] === 'string',
      );

      // Act
      const mismatched = functions.filter((resource) => {
        const handlerName = String(resource.Metadata?.[HANDLER_SOURCE_METADATA]).split('/')[1] ?? '';
        const assetHash = String(resource.Properties.Code?.S3Key).replace(/\.zip$/, '');
        const deployed = readFileSync(join(appDir, 'cdk.out', `asset.${assetHash}`, HANDLER_BUNDLE_FILE));
        const packaged = readFileSync(
          join(handlerBundleDir(join(packageDir, 'dist', 'assets'), handlerName), HANDLER_BUNDLE_FILE),
        );
        return resource.Properties.Handler !== 'index.handler' || !deployed.equals(packaged);
      });

      // Assess
      expect(functions.length).toBeGreaterThan(0);
      expect(mismatched).toEqual([]);
    },
    SCRATCH_TIMEOUT_MS,
  );

  it(
    'type-checks a TypeScript consumer against the package’s declarations',
    async () => {
      // Prepare
      const consumer = readFileSync(join(appDir, 'consumer.ts'), 'utf8');

      // Act
      const errors = await typeErrors;

      // Assess
      expect(consumer).toContain("from 'secure-delivery'");
      expect(errors).toBe('');
    },
    SCRATCH_TIMEOUT_MS,
  );

  it(
    'loads from a CommonJS app through require()',
    async () => {
      // Prepare
      const consumer = readFileSync(join(appDir, 'consumer.cjs'), 'utf8');

      // Act
      const loaded = requiredFromCommonJs;

      // Assess
      expect(consumer).toContain("require('secure-delivery')");
      await expect(loaded).resolves.toBeDefined();
    },
    SCRATCH_TIMEOUT_MS,
  );
});
