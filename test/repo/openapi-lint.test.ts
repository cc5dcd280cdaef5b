import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const spectral = join(root, 'node_modules', '.bin', 'spectral');
const scratch = mkdtempSync(join(tmpdir(), 'openapi-lint-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Finding {
  code: string;
  severity: number;
  message: string;
  path: string[];
}

/** Spectral's findings on a document with the repository's ruleset (`.spectral.mjs`: OAS + OWASP). */
async function lint(document: string): Promise<Finding[]> {
  const { stdout } = await promisify(execFile)(
    spectral,
    ['lint', document, '--ruleset', join(root, '.spectral.mjs'), '--format', 'json', '--quiet'],
    { cwd: root },
  ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  return JSON.parse(stdout) as Finding[];
}

/** Spectral severities: 0 error, 1 warn, 2 info, 3 hint. */
const WARN = 1;

describe('docs/openapi.json', () => {
  it('has no finding of severity warn or above under the OAS and OWASP rulesets', async () => {
    // Act
    const findings = await lint(join(root, 'docs', 'openapi.json'));

    // Assess
    const serious = findings
      .filter((finding) => finding.severity <= WARN)
      .map((finding) => `${finding.code} at ${finding.path.join('.')}: ${finding.message}`);
    expect(serious).toEqual([]);
  }, 60_000);

  it('the lint finds an unbounded string, so a clean result means the rules ran', async () => {
    // Prepare
    const document = JSON.parse(readFileSync(join(root, 'docs', 'openapi.json'), 'utf8'));
    delete document.components.schemas.VerifyHandoverRequest.properties.code.maxLength;
    const mutated = join(scratch, 'openapi.json');
    writeFileSync(mutated, JSON.stringify(document, null, 2));

    // Act
    const findings = await lint(mutated);

    // Assess
    expect(findings.map((finding) => finding.code)).toContain('owasp:api4:2023-string-limit');
  }, 60_000);
});
