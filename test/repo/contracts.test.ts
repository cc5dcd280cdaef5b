import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { contractDocuments, GENERATED_FOLDERS } from '../../scripts/contract-documents.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('generated contract documents', () => {
  it('every generated document is on disk exactly as `npm run contracts` writes it', () => {
    // Prepare
    const documents = contractDocuments();

    // Act
    const stale = documents
      .filter(
        ({ path, text }) => !existsSync(join(root, path)) || readFileSync(join(root, path), 'utf8') !== text,
      )
      .map(({ path }) => path);

    // Assess
    expect(stale, 'run `npm run contracts`').toEqual([]);
  });

  it('a generated folder holds no file that no generator writes', () => {
    // Prepare
    const written = new Set(contractDocuments().map(({ path }) => path));

    // Act
    const orphans = GENERATED_FOLDERS.flatMap((folder) =>
      existsSync(join(root, folder))
        ? readdirSync(join(root, folder)).map((name) => `${folder}/${name}`)
        : [],
    ).filter((path) => !written.has(path));

    // Assess
    expect(orphans, 'run `npm run contracts`').toEqual([]);
  });
});
