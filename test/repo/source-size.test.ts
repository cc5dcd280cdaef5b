import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { functionsIn, longest, measureSources, over } from '../../scripts/source-size.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** The folders whose rooms must stay small enough to find one's way in (issue 22). */
const FOLDERS = ['lambdas', 'sandbox'];
const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 120;

describe('source size under lambdas/ and sandbox/', () => {
  const measured = measureSources(root, FOLDERS);
  // Reported on every run, so a file or function creeping up is seen before it crosses the line.
  console.info(
    `longest file: ${longest(measured.files).where} (${longest(measured.files).lines} lines); ` +
      `longest function: ${longest(measured.functions).where} (${longest(measured.functions).lines} lines)`,
  );

  it(`has no source file over ${MAX_FILE_LINES} lines`, () => {
    // Act
    const tooLong = over(measured.files, MAX_FILE_LINES);

    // Assess
    expect(measured.files.length).toBeGreaterThan(50);
    expect(tooLong).toEqual([]);
  });

  it(`has no function over ${MAX_FUNCTION_LINES} lines (declarations, expressions, arrows and methods)`, () => {
    // Act
    const tooLong = over(measured.functions, MAX_FUNCTION_LINES);

    // Assess
    expect(measured.functions.length).toBeGreaterThan(500);
    expect(tooLong).toEqual([]);
  });
});

describe('measureSources', () => {
  it('counts a function, a method and an arrow by their lines, named by what holds them', () => {
    // Prepare
    const text = [
      'export function first(a: number): number {',
      '  return a;',
      '}',
      'class Holder {',
      '  method(): void {',
      '    const arrow = () =>',
      '      1;',
      '  }',
      '}',
      '',
    ].join('\n');

    // Act
    const functions = functionsIn('sample.ts', text);

    // Assess
    expect(functions).toEqual([
      { where: 'sample.ts:1 first', lines: 3 },
      { where: 'sample.ts:5 method', lines: 4 },
      { where: 'sample.ts:6 arrow', lines: 2 },
    ]);
  });
});
