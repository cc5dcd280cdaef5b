import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { VERIFY_PATH } from '../../lambdas/contracts/http/paths.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const spectral = join(root, 'node_modules', '.bin', 'spectral');
// In the repository's git-ignored tmp/ (no dot folder): the ruleset's per-path overrides match only there.
mkdirSync(join(root, 'tmp'), { recursive: true });
const scratch = mkdtempSync(join(root, 'tmp', 'openapi-lint-'));

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

  it("checks each answer's example, generated from the route contract, against the answer's schema", async () => {
    // Prepare: an example whose code breaks the Error schema's pattern and the status's list of codes
    const document = JSON.parse(readFileSync(join(root, 'docs', 'openapi.json'), 'utf8'));
    const badRequest = document.paths[VERIFY_PATH].post.responses['400'].content['application/json'];
    badRequest.examples.INVALID_PARCEL_ID.value.code = 'not a code';
    const mutated = join(scratch, 'openapi-example.json');
    writeFileSync(mutated, JSON.stringify(document, null, 2));

    // Act
    const findings = await lint(mutated);

    // Assess
    expect(
      findings
        .filter((finding) => finding.code === 'oas3-valid-media-example')
        .map((finding) => finding.path.join('.')),
    ).toContain(
      `paths.${VERIFY_PATH}.post.responses.400.content.application/json.examples.INVALID_PARCEL_ID.value.code`,
    );
  }, 60_000);

  it('waives the 401 rule for the SigV4 routes only: a JWT route without a documented 401 is a finding', async () => {
    // Prepare
    const document = JSON.parse(readFileSync(join(root, 'docs', 'openapi.json'), 'utf8'));
    delete document.paths[VERIFY_PATH].post.responses['401'];
    const mutated = join(scratch, 'openapi.json');
    writeFileSync(mutated, JSON.stringify(document, null, 2));

    // Act
    const findings = await lint(mutated);

    // Assess
    expect(
      findings
        .filter((finding) => finding.code === 'owasp:api8:2023-define-error-responses-401')
        .map((finding) => finding.path.slice(0, 3).join(' ')),
    ).toEqual([`paths ${VERIFY_PATH} post`, `paths ${VERIFY_PATH} post`]);
  }, 60_000);
});
