import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SOURCE_FOLDERS = ['bench', 'bin', 'lambdas', 'lib', 'sandbox', 'test', '.ci'];

function* sourceFiles(folder: string): Generator<string> {
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|js|mjs|cjs|sh)$/.test(name) || name === 'run') yield path;
  }
}

/** Every relative path literal in a file, resolved against the file's folder. */
function relativePathsIn(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const literals = text.matchAll(/['"`]((?:\.\.?\/)+[^'"`$\s]*)['"`]/g);
  return [...literals].map((match) => resolve(dirname(file), match[1] ?? ''));
}

describe('the repository stands alone', () => {
  it('has no source, test or script path that resolves outside the repository', () => {
    // Prepare
    const files = SOURCE_FOLDERS.flatMap((folder) => [...sourceFiles(join(REPO_ROOT, folder))]);

    // Act
    const escaping = files.flatMap((file) =>
      relativePathsIn(file)
        .filter((target) => relative(REPO_ROOT, target).startsWith('..'))
        .map((target) => `${relative(REPO_ROOT, file)} -> ${target}`),
    );

    // Assess
    expect(files.length).toBeGreaterThan(50);
    expect(escaping).toEqual([]);
  });

  it('names no sibling folder of the repository (such as ../shared) anywhere in its code', () => {
    // Prepare
    const files = SOURCE_FOLDERS.flatMap((folder) => [...sourceFiles(join(REPO_ROOT, folder))]);

    // Act
    const naming = files.filter(
      (file) =>
        file !== fileURLToPath(import.meta.url) && /shared\/conformance/.test(readFileSync(file, 'utf8')),
    );

    // Assess
    expect(naming.map((file) => relative(REPO_ROOT, file))).toEqual([]);
  });
});
