import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDriverAppFiles } from '../../driver-app/build.ts';
import { RESEND_PATH, routePath, TRACK_PATH, VERIFY_PATH } from '../../lambdas/contracts/http/paths.ts';
import { ROUTES, TRY_AGAIN_BUSY, VERIFY_ROUTE } from '../../lambdas/contracts/http/routes.ts';
import { REPO_ROOT } from '../../sandbox/app/paths.ts';

/** Every `.ts` file under `folder`, recursively. */
function* sourceFiles(folder: string): Generator<string> {
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (name.endsWith('.ts')) yield path;
  }
}

describe('routePath', () => {
  it("fills each parameter of a route's path with its value", () => {
    // Act
    const paths = [
      routePath(VERIFY_PATH, { parcelId: 'P-1' }),
      routePath(TRACK_PATH, { parcelId: 'P-1' }),
      routePath(RESEND_PATH, { parcelId: 'P-1' }),
    ];

    // Assess
    expect(paths).toEqual(['/parcels/P-1/verify', '/parcels/P-1/otp', '/parcels/P-1/otp/resend']);
  });

  it('percent-encodes a value, so a slash or a query cannot leave its path segment', () => {
    // Act
    const path = routePath(VERIFY_PATH, { parcelId: '../P 1/x?y#z' });

    // Assess
    expect(path).toBe('/parcels/..%2FP%201%2Fx%3Fy%23z/verify');
  });

  it('throws for a parameter without a value instead of sending `{parcelId}` or `undefined`', () => {
    // Act + Assess
    expect(() => routePath(VERIFY_PATH, {} as { parcelId: string })).toThrow('{parcelId}');
  });

  it.each(['', '.', '..'])(
    'throws for %j, which fills no path segment (a URL parser drops dot segments: another route)',
    (parcelId) => {
      // Act + Assess
      expect(() => routePath(VERIFY_PATH, { parcelId })).toThrow('{parcelId}');
      expect(new URL(`http://h/parcels/${parcelId}/verify`).pathname).not.toMatch(
        /^\/parcels\/[^/]+\/verify$/,
      );
    },
  );
});

describe('route paths are written once', () => {
  it('the route contract declares its routes with the paths callers build their URLs from', () => {
    // Act
    const declared = ROUTES.map((route) => route.path);

    // Assess
    expect(declared).toEqual([VERIFY_PATH, TRACK_PATH, RESEND_PATH]);
  });

  it('no caller outside the contract hand-writes a route path (driver app, sandbox app, bench, e2e tests)', () => {
    // Prepare: a route path is `/parcels/` followed by anything and then /verify or /otp
    const callers = ['driver-app/src', 'sandbox/app', 'bench', 'test/e2e', 'test/support'].map((folder) =>
      join(REPO_ROOT, folder),
    );
    const handWritten = /\/parcels\/[^'"`\s]*\/(verify|otp)\b/;

    // Act
    const offenders = callers.flatMap((folder) =>
      [...sourceFiles(folder)].flatMap((file) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .map((line, index) => ({ line, at: `${file.slice(REPO_ROOT.length)}:${index + 1}` }))
          .filter(({ line }) => !/^\s*(\/\/|\*|\/\*\*)/.test(line) && handWritten.test(line))
          .map(({ at }) => at),
      ),
    );

    // Assess
    expect(offenders).toEqual([]);
  });

  it("the driver app's bundle takes the verify path from the contract and none of the route's answers", () => {
    // Act
    const app = new TextDecoder().decode(buildDriverAppFiles().get('app.js'));

    // Assess
    expect(app).toContain(VERIFY_PATH);
    expect(app).not.toContain(TRACK_PATH);
    expect(app).not.toContain(VERIFY_ROUTE.summary);
    expect(app).not.toContain(TRY_AGAIN_BUSY.description);
  });
});
