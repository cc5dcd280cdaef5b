/**
 * Measures source files and functions in lines with a real TypeScript parser (oxc-parser; why that one:
 * docs/decisions.md), for `test/repo/source-size.test.ts`, which holds lambdas/ and sandbox/ to their limits.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseSync, Visitor } from 'oxc-parser';

/** A measured piece of source: where it is and how many lines it spans. */
export interface Measured {
  readonly where: string;
  readonly lines: number;
}

const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;

function* sourceFiles(folder: string): Generator<string> {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) yield path;
  }
}

/** Line number (1-based) of each offset, from the offsets of the line starts. */
function lineOf(lineStarts: readonly number[], offset: number): number {
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((lineStarts[middle] ?? 0) <= offset) low = middle;
    else high = middle - 1;
  }
  return low + 1;
}

type Node = { readonly type: string; readonly start: number; readonly end: number };
type Named = Node & { readonly key?: { name?: string; value?: unknown }; readonly id?: { name?: string } };

/** A readable name for a function: its own, or the variable, method or property that holds it. */
function nameOf(node: Named, holder: Named | undefined): string {
  if (node.id?.name) return node.id.name;
  const key = holder?.key;
  if (key) return String(key.name ?? key.value ?? '<computed>');
  if (holder?.id?.name) return holder.id.name;
  return '<anonymous>';
}

/** Every function in one file (declarations, expressions, arrows, methods) with its line span. */
export function functionsIn(path: string, text: string): Measured[] {
  const parsed = parseSync(path, text);
  if (parsed.errors.length > 0) throw new Error(`${path}: ${parsed.errors[0]?.message}`);
  const lineStarts = [0];
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1))
    lineStarts.push(index + 1);
  const measured: Measured[] = [];
  // A function's holder (the variable, method or property it is the value of) names it.
  const holders = new Map<Node, Named>();
  const hold = (holder: Named, value: unknown) => {
    if (value && typeof value === 'object') holders.set(value as Node, holder);
  };
  const measure = (node: Node) => {
    const first = lineOf(lineStarts, node.start);
    const last = lineOf(lineStarts, node.end);
    const name = nameOf(node as Named, holders.get(node));
    measured.push({ where: `${path}:${first} ${name}`, lines: last - first + 1 });
  };
  new Visitor({
    VariableDeclarator: (node) => hold(node as unknown as Named, node.init),
    MethodDefinition: (node) => hold(node as unknown as Named, node.value),
    PropertyDefinition: (node) => hold(node as unknown as Named, node.value),
    Property: (node) => hold(node as unknown as Named, node.value),
    FunctionDeclaration: measure,
    FunctionExpression: measure,
    ArrowFunctionExpression: measure,
  }).visit(parsed.program);
  return measured;
}

/** The longest of `items` (the first of equals). */
export const longest = (items: readonly Measured[]): Measured =>
  items.reduce((best, item) => (item.lines > best.lines ? item : best), { where: '(none)', lines: 0 });

/** Every file and every function under `folders` (paths relative to `root`) with its length in lines. */
export function measureSources(
  root: string,
  folders: readonly string[],
): { readonly files: Measured[]; readonly functions: Measured[] } {
  const files: Measured[] = [];
  const functions: Measured[] = [];
  for (const folder of folders) {
    for (const path of sourceFiles(join(root, folder))) {
      const text = readFileSync(path, 'utf8');
      const where = relative(root, path);
      files.push({ where, lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0) });
      functions.push(...functionsIn(where, text));
    }
  }
  return { files, functions };
}

/** Those of `items` over `limit` lines, longest first. */
export const over = (items: readonly Measured[], limit: number): Measured[] =>
  items.filter((item) => item.lines > limit).sort((a, b) => b.lines - a.lines);
