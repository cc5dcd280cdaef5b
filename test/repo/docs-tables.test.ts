import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../lambdas/contracts/http/routes.ts';
import { EVENTS } from '../../lambdas/domain/events/index.ts';
import { DEFAULT_CONFIG } from '../../lib/config.ts';
import { docFiles, type MarkdownTable, readDoc, sectionOf, tablesOf } from '../support/markdown.ts';

/** Every table of README.md and docs/*.md, with the file it is in. */
const docTables = (): { file: string; table: MarkdownTable }[] =>
  docFiles().flatMap((file) => tablesOf(readDoc(file)).map((table) => ({ file, table })));

/** A table's key: its first column; a table keyed by HTTP status adds the `code` column (one status, several codes). */
const keyOf = (table: MarkdownTable, cells: readonly string[]): string =>
  (table.header[0] === 'status' ? cells.slice(0, 2) : cells.slice(0, 1)).join(' | ');

/** The backticked names in a key cell that consists of nothing else, e.g. `` `region`, `eventBusName` ``. */
const namesOfKeyCell = (cell: string): string[] =>
  /^`[^`]+`(?:,\s*`[^`]+`)*$/.test(cell)
    ? [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? '')
    : [];

/** The keys of `.sandbox/endpoints.json`, as its interface in the sandbox app declares them. */
function endpointKeys(): string[] {
  const source = readDoc('sandbox/app/sandbox.ts');
  const body = /export interface SandboxEndpoints \{\n([\s\S]*?)\n\}/.exec(source)?.[1] ?? '';
  return [...body.matchAll(/^ {2}readonly (\w+)\??:/gm)].map((match) => match[1] ?? '');
}

describe('the docs tables', () => {
  it('list no key twice within one table (README.md and docs/*.md)', () => {
    // Prepare
    const tables = docTables();

    // Act
    const repeated = tables.flatMap(({ file, table }) => {
      const seen = new Set<string>();
      return table.rows.flatMap(({ line, cells }) => {
        const key = keyOf(table, cells);
        if (!seen.has(key)) {
          seen.add(key);
          return [];
        }
        return [`${file}:${line} ${key}`];
      });
    });

    // Assess
    expect(tables.length).toBeGreaterThanOrEqual(20);
    expect(repeated).toEqual([]);
  });

  it('give every event of the contract exactly one reference row (or field table) across all docs', () => {
    // Prepare
    const tables = docTables();
    const texts = docFiles().map(readDoc);

    // Act
    const count = Object.fromEntries(
      EVENTS.map(({ detailType }) => {
        const rows = tables
          .flatMap(({ table }) => table.rows)
          .filter(({ cells }) => cells[0] === `\`${detailType}\``);
        const fieldTables = texts
          .flatMap((text) => text.split('\n'))
          .filter((line) => line.startsWith(`**\`${detailType}\`**`));
        return [detailType, rows.length + fieldTables.length];
      }),
    );

    // Assess
    expect(count).toEqual(Object.fromEntries(EVENTS.map(({ detailType }) => [detailType, 1])));
  });

  it('name every route of the HTTP contract, each in at most one reference row across all docs', () => {
    // Prepare
    const tables = docTables();
    const text = docFiles().map(readDoc).join('\n');

    // Act
    const routes = ROUTES.map(({ method, path }) => `${method} ${path}`);
    const rowsPerRoute = Object.fromEntries(
      routes.map((route) => [
        route,
        tables
          .flatMap(({ table }) => table.rows)
          .filter(({ cells }) => (cells[0] ?? '').includes(`\`${route}\``)).length,
      ]),
    );

    // Assess
    expect(routes.filter((route) => !text.includes(`\`${route}\``))).toEqual([]);
    expect(
      Object.values(rowsPerRoute).every((rows) => rows <= 1),
      JSON.stringify(rowsPerRoute),
    ).toBe(true);
  });

  it('document every key of .sandbox/endpoints.json in exactly one row across all docs, and no other key', () => {
    // Prepare
    const keys = endpointKeys();
    const rows = docTables().filter(({ table }) => table.header[0] === 'key' && table.header[1] === 'what');

    // Act
    const documented = rows.flatMap(({ table }) =>
      table.rows.flatMap(({ cells }) => namesOfKeyCell(cells[0] ?? '')),
    );

    // Assess
    expect(keys.length).toBeGreaterThanOrEqual(15);
    expect([...documented].sort()).toEqual([...keys].sort());
  });

  it('list every context key the stack reads in the configuration table, once, with its default', () => {
    // Prepare
    const [table] = tablesOf(sectionOf(readDoc('docs/deploy.md'), '## Settings'));

    // Act
    const rows = new Map((table?.rows ?? []).map(({ cells }) => [cells[0] ?? '', cells[1] ?? '']));
    const keys = Object.keys(DEFAULT_CONFIG).map((key) => `\`secureDelivery:${key}\``);
    const wrongDefaults = Object.entries(DEFAULT_CONFIG).filter(([key, value]) => {
      const cell = rows.get(`\`secureDelivery:${key}\``) ?? '';
      const parts = typeof value === 'object' ? Object.entries(value).flat() : [value];
      return parts.some((part) => part !== '' && !cell.includes(String(part)));
    });

    // Assess
    expect([...rows.keys()].sort()).toEqual(keys.sort());
    expect(wrongDefaults.map(([key]) => key)).toEqual([]);
  });
});
