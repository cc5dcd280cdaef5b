import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');

/** Licences that ask nothing of what is built with them but the notice. */
const PERMISSIVE = new Set([
  'MIT',
  'MIT-0',
  'ISC',
  'Apache-2.0',
  'BSD-2-Clause',
  'BSD-3-Clause',
  '0BSD',
  'BlueOak-1.0.0',
  'Unlicense',
]);

/** True if an SPDX expression lets us take a permissive licence (one alternative of an OR is enough). */
function permissive(license: string): boolean {
  return license
    .replace(/[()]/g, '')
    .split(/\s+OR\s+/)
    .some((alternative) => PERMISSIVE.has(alternative.trim()));
}

/** Every package the lockfile installs, with its licence and whether only development needs it. */
function lockedPackages(): { name: string; license: string; dev: boolean }[] {
  const lock = JSON.parse(read('package-lock.json')) as {
    packages: Record<string, { license?: string; dev?: boolean; devOptional?: boolean }>;
  };
  return Object.entries(lock.packages)
    .filter(([path]) => path !== '')
    .map(([path, entry]) => ({
      name: path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length),
      license: entry.license ?? legacyLicense(path),
      dev: entry.dev === true || entry.devOptional === true,
    }));
}

/** The licence an old package.json names in a `licenses` list (the lockfile records only `license`). */
function legacyLicense(path: string): string {
  const manifest = JSON.parse(read(join(path, 'package.json'))) as { licenses?: { type?: string }[] };
  return (manifest.licenses ?? []).map((entry) => entry.type ?? '').join(' OR ') || 'UNKNOWN';
}

describe('licence', () => {
  it('is the Apache License 2.0, in LICENSE and package.json', () => {
    // Act
    const text = read('LICENSE');
    const pkg = JSON.parse(read('package.json')) as { license?: string };

    // Assess
    expect(
      text.trimStart().startsWith('Apache License\n                           Version 2.0, January 2004'),
    ).toBe(true);
    expect(text).toContain('END OF TERMS AND CONDITIONS');
    expect(pkg.license).toBe('Apache-2.0');
  });

  it('names, in docs/integrate.md, every installed package of another kind of licence, and each is needed in development only', () => {
    // Prepare
    const section = read('docs/integrate.md').split('## Licence')[1] ?? '';
    const named = [...section.matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? '');
    const isNamed = (name: string) =>
      named.some((doc) => (doc.endsWith('*') ? name.startsWith(doc.slice(0, -1)) : doc === name));

    // Act
    const other = lockedPackages().filter((pkg) => !permissive(pkg.license));

    // Assess
    expect(other.length).toBeGreaterThan(0);
    for (const pkg of other) {
      expect(isNamed(pkg.name), `${pkg.name} (${pkg.license}) is named in docs/integrate.md`).toBe(true);
      expect(pkg.dev, `${pkg.name} (${pkg.license}) is a development dependency only`).toBe(true);
    }
  });
});
