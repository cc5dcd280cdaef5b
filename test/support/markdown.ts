/**
 * Reading the repository's Markdown as the doc tests need it: which files are the docs, their tables
 * (outside code fences), their headings' anchors, and one heading's section.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root. */
export const REPO_ROOT = join(import.meta.dirname, '..', '..');

/** README.md and every `docs/*.md`, repository-relative: the product's documentation. */
export function docFiles(): string[] {
  const docs = readdirSync(join(REPO_ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs];
}

/** Every Markdown file a reader follows links through: the docs, DEVELOPERS.md and the sandbox's README. */
export function linkedFiles(): string[] {
  return [...docFiles(), 'DEVELOPERS.md', 'sandbox/README.md'];
}

/** A repository file's text, by repository-relative path. */
export function readDoc(path: string): string {
  return readFileSync(join(REPO_ROOT, path), 'utf8');
}

/** Lines outside fenced code blocks, with their 1-based line numbers. */
function proseLines(text: string): { line: string; number: number }[] {
  let fenced = false;
  const lines: { line: string; number: number }[] = [];
  text.split('\n').forEach((line, index) => {
    if (/^\s*```/.test(line)) fenced = !fenced;
    else if (!fenced) lines.push({ line, number: index + 1 });
  });
  return lines;
}

/** One Markdown table: its header cells and body rows (cells trimmed, `\|` kept as written). */
export interface MarkdownTable {
  /** 1-based line of the header row. */
  readonly line: number;
  readonly header: readonly string[];
  readonly rows: readonly { readonly line: number; readonly cells: readonly string[] }[];
}

/** A table row's cells: split on pipes that are not escaped as `\|`. */
function cellsOf(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());
}

/** Every table outside code fences (indented ones inside list items too). */
export function tablesOf(text: string): MarkdownTable[] {
  const tables: { line: number; header: string[]; rows: { line: number; cells: string[] }[] }[] = [];
  let current: (typeof tables)[number] | undefined;
  let previous = 0;
  for (const { line, number } of proseLines(text)) {
    const isRow = line.trimStart().startsWith('|');
    if (!isRow || number !== previous + 1) current = undefined;
    previous = number;
    if (!isRow) continue;
    const cells = cellsOf(line);
    if (!current) {
      current = { line: number, header: cells, rows: [] };
      tables.push(current);
    } else if (!(current.rows.length === 0 && cells.every((cell) => /^:?-+:?$/.test(cell)))) {
      current.rows.push({ line: number, cells });
    }
  }
  return tables;
}

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens. */
export function slugOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a file's headings give, with GitHub's `-1`, `-2` suffixes for repeats. */
export function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { line } of proseLines(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const slug = slugOf(heading);
    const count = seen.get(slug) ?? 0;
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
    seen.set(slug, count + 1);
  }
  return anchors;
}

/** The text under `heading` (a whole heading line, e.g. `## Security model`) up to the next heading of its level or above. */
export function sectionOf(text: string, heading: string): string {
  const level = /^#+/.exec(heading)?.[0].length ?? 1;
  const lines = text.split('\n');
  const start = lines.indexOf(heading);
  if (start === -1) return '';
  const headings = new Set(proseLines(text).map(({ number }) => number - 1));
  const end = lines.findIndex(
    (line, index) => index > start && headings.has(index) && new RegExp(`^#{1,${level}} `).test(line),
  );
  return lines.slice(start, end === -1 ? undefined : end).join('\n');
}
