import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
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

/** Top folders of the repository a README path may start with. */
const TOP_FOLDERS = 'lib|lambdas|sandbox|test|docs|scripts|bench|driver-app|bin';

describe('the README names what exists', () => {
  it('names only repository paths that exist (in backticks or as links; patterns with < or * aside)', () => {
    // Prepare
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const quoted = [...readme.matchAll(new RegExp(`\`((?:${TOP_FOLDERS})/[^\`\\s]*)\``, 'g'))];
    const linked = [...readme.matchAll(new RegExp(`\\]\\(((?:${TOP_FOLDERS})/[^)\\s#]*)`, 'g'))];

    // Act
    const paths = [...new Set([...quoted, ...linked].map((match) => match[1] ?? ''))].filter(
      (path) => !/[<*]/.test(path),
    );
    const missing = paths.filter((path) => !existsSync(join(REPO_ROOT, path)));

    // Assess
    expect(paths.length).toBeGreaterThanOrEqual(40);
    expect(missing).toEqual([]);
  });

  it('names in the `lib/` row only constructs that lib/ exports', () => {
    // Prepare
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const row = readme.split('\n').find((line) => line.startsWith('| `lib/` |')) ?? '';
    const sources = readdirSync(join(REPO_ROOT, 'lib'))
      .filter((name) => name.endsWith('.ts'))
      .map((name) => readFileSync(join(REPO_ROOT, 'lib', name), 'utf8'))
      .join('\n');

    // Act
    const named = [...row.matchAll(/`([A-Z][A-Za-z]+)`/g)].map((match) => match[1] ?? '');
    const missing = named.filter((name) => !new RegExp(`export class ${name}\\b`).test(sources));

    // Assess
    expect(named).toEqual(expect.arrayContaining(['DeliveryApi', 'EventSchemaRegistry']));
    expect(missing).toEqual([]);
  });
});
