import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function* testFiles(folder: string): Generator<string> {
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) yield* testFiles(path);
    else if (name.endsWith('.test.ts')) yield path;
  }
}

/** Curly and straight apostrophes read alike in prose; compare them as one. */
const normalise = (text: string) => text.replace(/[\u2018\u2019]/g, "'");

/** The README's section under `heading`, up to the next heading of the same level. */
function section(readme: string, heading: string): string {
  const start = readme.indexOf(`${heading}\n`);
  const next = readme.indexOf('\n## ', start + heading.length);
  return readme.slice(start, next === -1 ? undefined : next);
}

describe('the README security model', () => {
  it('quotes only test names that exist, so every row names a test that shows it', () => {
    // Prepare
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const table = section(readme, '## Security model');
    const sources = normalise(
      [...testFiles(join(REPO_ROOT, 'test'))].map((file) => readFileSync(file, 'utf8')).join('\n'),
    );

    // Act: every "quoted" fragment in the table's last column, without its trailing ellipsis
    const rows = table.split('\n').filter((line) => line.startsWith('| **'));
    const quoted = rows.flatMap((row) =>
      [...(row.split('|').at(-2) ?? '').matchAll(/"([^"]+)"/g)].map((match) =>
        normalise(match[1] ?? '').replace(/…$/, ''),
      ),
    );
    const missing = quoted.filter((name) => !sources.includes(name));

    // Assess
    expect(rows.length).toBeGreaterThanOrEqual(10);
    expect(quoted.length).toBeGreaterThanOrEqual(30);
    expect(missing).toEqual([]);
  });
});
