import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { docFiles, REPO_ROOT, readDoc, sectionOf, tablesOf } from '../support/markdown.ts';

function* testFiles(folder: string): Generator<string> {
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) yield* testFiles(path);
    else if (name.endsWith('.test.ts')) yield path;
  }
}

/** Curly and straight apostrophes read alike in prose; compare them as one. */
const normalise = (text: string) => text.replace(/[\u2018\u2019]/g, "'");

describe('the security model (docs/security.md)', () => {
  it('quotes only test names that exist, so every row names a test that shows it', () => {
    // Prepare
    const table = readDoc('docs/security.md');
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

/** Top folders of the repository a docs path may start with. */
const TOP_FOLDERS = 'lib|lambdas|sandbox|test|docs|scripts|bench|driver-app|bin';

describe('the docs name what exists', () => {
  it('name only repository paths that exist (in backticks or as links; patterns with < or * aside)', () => {
    // Prepare
    const files = docFiles();

    // Act: backticked paths are repository-relative; links are relative to the file they are in
    const paths = files.flatMap((file) => {
      const text = readDoc(file);
      const quoted = [...text.matchAll(new RegExp(`\`((?:${TOP_FOLDERS})/[^\`\\s]*)\``, 'g'))].map(
        (match) => match[1] ?? '',
      );
      const linked = [...text.matchAll(/\]\(([^)\s#:]+)[)#]/g)].map((match) =>
        normalize(join(dirname(file), match[1] ?? '')),
      );
      return [...quoted, ...linked];
    });
    const named = [...new Set(paths)].filter((path) => !/[<*]/.test(path));
    const missing = named.filter((path) => !existsSync(join(REPO_ROOT, path)));

    // Assess
    expect(named.length).toBeGreaterThanOrEqual(60);
    expect(missing).toEqual([]);
  });

  it('name in the `lib/` row of docs/architecture.md only constructs that lib/ exports', () => {
    // Prepare
    const row =
      readDoc('docs/architecture.md')
        .split('\n')
        .find((line) => line.startsWith('| `lib/` |')) ?? '';
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

describe('the README', () => {
  it('fits on a screen: at most 250 lines', () => {
    // Prepare
    const readme = readDoc('README.md');

    // Act
    const lines = readme.trimEnd().split('\n').length;

    // Assess
    expect(lines).toBeLessThanOrEqual(250);
  });

  it('names the Node version to develop on as package.json does, and exactly the packages whose EBADENGINE warnings Node 20 prints', () => {
    // Prepare
    const readme = readDoc('README.md');
    const lock = JSON.parse(readDoc('package-lock.json')) as {
      packages: Record<string, { engines?: { node?: string } }>;
    };
    const engines = (JSON.parse(readDoc('package.json')) as { engines: { node: string } }).engines;
    // The lowest major each `||` alternative of a range starts at (every range in the lockfile has one).
    const lowestMajor = (range: string) =>
      Math.min(...range.split('||').map((alternative) => Number(/\d+/.exec(alternative)?.[0] ?? 0)));

    // Act
    const stated = /Develop on Node (\d+) or later/.exec(readme)?.[1];
    const warned = /EBADENGINE` warnings for (.*?), which ask for Node/s.exec(readme)?.[1] ?? '';
    const named = [...warned.matchAll(/`([^`]+)`/g)].map((match) => match[1]).sort();
    const askingMore = Object.entries(lock.packages)
      .filter(([, entry]) => entry.engines?.node && lowestMajor(entry.engines.node) > Number(stated))
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length))
      .sort();

    // Assess
    expect(engines.node).toBe(`>=${stated}`);
    expect(named).toEqual(askingMore);
  });

  it('leads from "Where to read on" to every file in docs/', () => {
    // Prepare
    const table = sectionOf(readDoc('README.md'), '## Where to read on');

    // Act
    const linked = new Set([...table.matchAll(/\]\((docs\/[^)#]+\.md)[)#]/g)].map((match) => match[1]));
    const unlinked = docFiles().filter((file) => file.startsWith('docs/') && !linked.has(file));

    // Assess
    expect(unlinked).toEqual([]);
  });
});

/** The bench's block in docs/performance.md, between the markers `npm run bench` rewrites. */
function benchBlock(): string {
  const text = readDoc('docs/performance.md');
  return text.slice(text.indexOf('<!-- bench:start -->'), text.indexOf('<!-- bench:end -->'));
}

/** Figures quoted in prose and tables (target columns aside): dollar amounts, ratios, KiB, with commas dropped. */
function quotedFigures(text: string): string[] {
  const targetCells = tablesOf(text).flatMap(({ header, rows }) => {
    const column = header.indexOf('target');
    return column === -1 ? [] : rows.map(({ cells }) => cells[column] ?? '');
  });
  const prose = targetCells.reduce((rest, cell) => rest.replace(cell, ''), text);
  return [...prose.matchAll(/\$(\d[\d,]*(?:\.\d+)?)|\b(\d+(?:\.\d+)?)x\b|\b(\d+(?:\.\d+)?) KiB\b/g)].map(
    (match) => (match[1] ?? match[2] ?? match[3] ?? '').replace(/,/g, ''),
  );
}

describe('the performance figures', () => {
  it("show in docs/performance.md's bench block the run bench/results/latest.json holds", () => {
    // Prepare
    const latest = JSON.parse(readDoc('bench/results/latest.json')) as {
      generatedAt: string;
      figures: Record<string, { value: number }>;
    };

    // Act
    const block = benchBlock();

    // Assess
    expect(block).toContain(`Latest run (${latest.generatedAt}`);
    expect(block).toContain(`total: $${latest.figures.cost_per_million_parcels_usd?.value} per M`);
  });

  it('quote in the docs only figures of that run (What the numbers say, and the SMS cost in operations)', () => {
    // Prepare
    const runFigures = new Set(
      [...benchBlock().matchAll(/\d[\d,]*(?:\.\d+)?/g)].map((match) => match[0].replace(/,/g, '')),
    );
    const texts = [
      sectionOf(readDoc('docs/performance.md'), '## What the numbers say'),
      sectionOf(readDoc('docs/operations.md'), '## Code delivery: email status and SMS'),
    ];

    // Act
    const quoted = texts.flatMap(quotedFigures);
    const notInRun = quoted.filter((figure) => !runFigures.has(figure));

    // Assess
    expect(quoted.length).toBeGreaterThanOrEqual(15);
    expect(notInRun).toEqual([]);
  });
});
