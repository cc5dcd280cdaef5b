/**
 * The emulators are a package in waiting: they run any template through a handler resolver, so nothing
 * under `sandbox/emulators` may reach into this product (its stack, handlers or sandbox app) or name it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HANDLER_SOURCE_METADATA } from '../../lib/lambda-defaults.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const EMULATORS = join(REPO_ROOT, 'sandbox', 'emulators');

/** Names of this product: its stack, metadata key, scope, and the things it protects and who handles them. */
const PRODUCT_NAMES = new RegExp(
  [
    HANDLER_SOURCE_METADATA.split(':')[0] as string,
    'secure[- ]delivery',
    'parcel',
    '\\botps?\\b',
    'one-time pass',
    'driver',
    'carrier',
    'shop',
  ].join('|'),
  'i',
);

function* sourceFiles(folder: string): Generator<string> {
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|js|mjs|cjs|json)$/.test(name)) yield path;
  }
}

/** Every module specifier a source imports or re-exports, statically or dynamically. */
function specifiersIn(text: string): string[] {
  const found = text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm);
  return [...found].map((match) => match[1] ?? '');
}

/** The relative imports of `file` that resolve outside the emulators' folder. */
function importsLeavingEmulators(file: string, text: string): string[] {
  return specifiersIn(text)
    .filter((specifier) => specifier.startsWith('.'))
    .filter((specifier) => !resolve(dirname(file), specifier).startsWith(`${EMULATORS}${sep}`));
}

/** Lines of `text` that name the product, as `<line number>: <line>`. */
function productNamesIn(text: string): string[] {
  return text
    .split('\n')
    .map((line, index) => `${index + 1}: ${line.trim()}`)
    .filter((line) => PRODUCT_NAMES.test(line));
}

describe('the sandbox emulators boundary', () => {
  it('flags an import of the product and a line naming it (the checks below can fail)', () => {
    // Prepare
    const file = join(EMULATORS, 'bus.ts');
    const text = [
      "import { HANDLER_SOURCE_METADATA } from '../../lib/lambda-defaults.ts';",
      "const app = await import('../app/settings.ts');",
      "import { AwsJsonError } from './aws-protocol.ts';",
      "export { escapeHtml } from './eventbridge/bus.ts';",
      'const parcelId = event.detail.parcelId;',
      "const source = resource.Metadata?.['SecureDelivery:HandlerSource'];",
    ].join('\n');

    // Act
    const leaving = importsLeavingEmulators(file, text);
    const named = productNamesIn(text);

    // Assess
    expect(leaving).toEqual(['../../lib/lambda-defaults.ts', '../app/settings.ts']);
    expect(named).toEqual([
      '5: const parcelId = event.detail.parcelId;',
      "6: const source = resource.Metadata?.['SecureDelivery:HandlerSource'];",
    ]);
  });

  it('has no emulator that imports anything outside sandbox/emulators (lib/, lambdas/, sandbox/app, driver-app/)', () => {
    // Prepare
    const files = [...sourceFiles(EMULATORS)];

    // Act
    const leaving = files.flatMap((file) =>
      importsLeavingEmulators(file, readFileSync(file, 'utf8')).map(
        (specifier) => `${relative(REPO_ROOT, file)} imports ${specifier}`,
      ),
    );

    // Assess
    expect(files.length).toBeGreaterThan(20);
    expect(leaving).toEqual([]);
  });

  it('has no emulator that names the product (stack, metadata key, scope, parcels, OTPs, drivers, carriers, shop)', () => {
    // Prepare
    const files = [...sourceFiles(EMULATORS)];

    // Act
    const named = files.flatMap((file) =>
      productNamesIn(readFileSync(file, 'utf8')).map((line) => `${relative(REPO_ROOT, file)}:${line}`),
    );

    // Assess
    expect(named).toEqual([]);
  });
});
