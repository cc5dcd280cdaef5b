import {
  base64url,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  type JWK,
  SignJWT,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Answer,
  codeFromEmail,
  type Harness,
  itemOf,
  num,
  printFigure,
  putShipped,
  readyForHandover,
  recipientOf,
  shippedDetail,
  startHarness,
  structuredLogs,
  verify,
  wrongCodeFor,
} from './support.ts';

const MAX_WRONG = 5;

let h: Harness;
const figures = {
  forgedTokens: 0,
  rejected401: 0,
  crossDriver403: 0,
  bruteForceAttempts: 0,
  lockedParcels: 0,
  loggedWrongAttempts: 0,
  dataLost: 0,
};

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.stop();
  printFigure(
    `FIGURE abuse: forgedTokens=${figures.forgedTokens} rejected401=${figures.rejected401} ` +
      `crossDriver403=${figures.crossDriver403} bruteForceAttempts=${figures.bruteForceAttempts} ` +
      `lockedParcels=${figures.lockedParcels} loggedWrongAttempts=${figures.loggedWrongAttempts} ` +
      `dataLost=${figures.dataLost}`,
  );
});

const encodeJson = (value: unknown): string => base64url.encode(JSON.stringify(value));

/** The genuine token with some claims changed and its signature kept (so the signature no longer fits). */
function withClaims(token: string, changes: Record<string, unknown>): string {
  const [header, , signature] = token.split('.');
  return `${header}.${encodeJson({ ...decodeJwt(token), ...changes })}.${signature}`;
}

/** Sends the right code with each token; returns the answers. */
async function tryTokens(parcelId: string, code: string, tokens: readonly string[]): Promise<Answer[]> {
  const answers = await Promise.all(tokens.map((token) => verify(h, parcelId, code, token)));
  figures.forgedTokens += tokens.length;
  figures.rejected401 += answers.filter((answer) => answer.status === 401).length;
  return answers;
}

/** Ships `count` high-value parcels and binds them to `driverId`, two PutEvents calls in all; returns their codes. */
async function parcelsFor(prefix: string, count: number, driverId: string): Promise<Map<string, string>> {
  const details = Array.from({ length: count }, (_, index) => shippedDetail(`${prefix}-${index}`));
  await putShipped(h, details);
  await h.sandbox.settled();
  const deliveryDate = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  await h.client.publish(
    details.map((detail) => ({
      detailType: 'Parcel Out For Delivery',
      detail: { parcelId: detail.parcelId, driverId, deliveryDate },
    })),
  );
  await h.sandbox.settled();
  const codes = new Map<string, string>();
  for (const detail of details) {
    const emails = await h.client.emailsTo(recipientOf(detail));
    const code = codeFromEmail(emails[0]?.text ?? '');
    if (emails.length !== 1 || !code) {
      figures.dataLost++;
      throw new Error(`expected one code email for ${String(detail.parcelId)}`);
    }
    codes.set(detail.parcelId as string, code);
  }
  return codes;
}

describe('abuse', () => {
  it('answers 401 to a genuine token that was expired, re-addressed, re-issued, given to another driver, stripped or set to alg none, and lets the genuine token through', async () => {
    // Prepare
    const parcelId = 'ABUSE-TOKEN-1';
    const { code, token } = await readyForHandover(h, parcelId, 'D-ABUSE-1');
    const now = Math.floor(Date.now() / 1000);
    const [header, payload] = token.split('.');
    const tampered = {
      expired: withClaims(token, { exp: now - 60 }),
      wrongAudience: withClaims(token, { aud: 'another-app-client' }),
      wrongIssuer: withClaims(token, {
        iss: 'https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_evil',
      }),
      otherDriver: withClaims(token, { driver_id: 'D-ABUSE-2', username: 'D-ABUSE-2' }),
      noExpiry: withClaims(token, { exp: undefined }),
      noSignature: `${header}.${payload}.`,
      algNone: `${encodeJson({ ...decodeProtectedHeader(token), alg: 'none' })}.${payload}.`,
      algNoneUnsigned: `${encodeJson({ alg: 'none', typ: 'JWT' })}.${payload}.`,
    };

    // Act
    const answers = await tryTokens(parcelId, code, Object.values(tampered));
    const untouched = await itemOf(h, parcelId);
    const genuine = await verify(h, parcelId, code, token);

    // Assess
    expect(
      Object.fromEntries(Object.keys(tampered).map((name, index) => [name, answers[index]?.status])),
    ).toEqual(Object.fromEntries(Object.keys(tampered).map((name) => [name, 401])));
    expect(untouched?.status?.S).toBe('ISSUED');
    expect(num(untouched?.wrongAttempts)).toBe(0);
    expect(genuine.status).toBe(200);
  });

  it("answers 401 to tokens signed with a key outside the issuer's JWKS, whatever their claims, and to HS256 keyed with the issuer's public key", async () => {
    // Prepare
    const parcelId = 'ABUSE-TOKEN-2';
    const { code, token } = await readyForHandover(h, parcelId, 'D-ABUSE-3');
    const genuineHeader = decodeProtectedHeader(token);
    const claims = decodeJwt(token);
    const issuer = String(claims.iss);
    const jwks = (await (await fetch(`${issuer}/.well-known/jwks.json`)).json()) as { keys: JWK[] };
    expect(jwks.keys.map((key) => key.kid)).toContain(genuineHeader.kid);
    const own = await generateKeyPair('RS256', { extractable: true });
    const ownJwk = { ...(await exportJWK(own.publicKey)), kid: 'attacker-key', alg: 'RS256', use: 'sig' };
    const now = Math.floor(Date.now() / 1000);
    const sign = (changes: Record<string, unknown>, header: Record<string, unknown> = {}) =>
      new SignJWT({ ...claims, iat: now, exp: now + 600, ...changes })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: String(genuineHeader.kid), ...header })
        .sign(own.privateKey);
    const forged = {
      sandboxKidValidClaims: await sign({}),
      ownKidValidClaims: await sign({}, { kid: 'attacker-key' }),
      embeddedJwk: await sign({}, { jwk: ownJwk }),
      expired: await sign({ iat: now - 7200, exp: now - 3600 }),
      wrongAudience: await sign({ aud: 'another-app-client' }),
      wrongIssuer: await sign({ iss: 'https://issuer.example.com/pool' }),
      otherDriver: await sign({ driver_id: 'D-ABUSE-4' }),
      // Algorithm confusion: the issuer's public key used as an HMAC secret.
      hs256WithPublicKey: await new SignJWT({ ...claims, iat: now, exp: now + 600 })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: String(genuineHeader.kid) })
        .sign(new TextEncoder().encode(JSON.stringify(jwks.keys[0]))),
    };

    // Act
    const answers = await tryTokens(parcelId, code, Object.values(forged));
    const untouched = await itemOf(h, parcelId);
    const genuine = await verify(h, parcelId, code, token);

    // Assess
    expect(
      Object.fromEntries(Object.keys(forged).map((name, index) => [name, answers[index]?.status])),
    ).toEqual(Object.fromEntries(Object.keys(forged).map((name) => [name, 401])));
    expect(untouched?.status?.S).toBe('ISSUED');
    expect(num(untouched?.wrongAttempts)).toBe(0);
    expect(genuine.status).toBe(200);
  });

  it('refuses another driver with 403 even with the right code, counts none of their codes, and leaves the handover to the assigned driver', async () => {
    // Prepare
    const parcelId = 'ABUSE-OTHER-1';
    const { code, token } = await readyForHandover(h, parcelId, 'D-ABUSE-A');
    const intruder = await h.client.driverToken('D-ABUSE-B');

    // Act
    const withRightCode = await verify(h, parcelId, code, intruder);
    const withWrongCodes: Answer[] = [];
    for (let attempt = 1; attempt <= MAX_WRONG + 1; attempt++) {
      withWrongCodes.push(await verify(h, parcelId, wrongCodeFor(code, attempt), intruder));
    }
    const item = await itemOf(h, parcelId);
    const assigned = await verify(h, parcelId, code, token);

    // Assess
    figures.crossDriver403 += [withRightCode, ...withWrongCodes].filter((a) => a.status === 403).length;
    expect(withRightCode.status).toBe(403);
    expect(withRightCode.json).toMatchObject({ code: 'NOT_ASSIGNED' });
    expect(withWrongCodes.map((answer) => answer.status)).toEqual(Array(MAX_WRONG + 1).fill(403));
    // Nothing distinguishes a wrong code from a right one for the intruder: same status, same body.
    expect(withWrongCodes.map((answer) => answer.json)).toEqual(
      Array(MAX_WRONG + 1).fill(withRightCode.json),
    );
    expect(num(item?.wrongAttempts)).toBe(0);
    expect(item?.status?.S).toBe('ISSUED');
    expect(assigned.status).toBe(200);
  });

  it("locks each of one driver's parcels independently after five wrong codes and logs every wrong attempt with the driver, so a per-driver count matches", async () => {
    // Prepare: ten parcels for one driver; parcel i gets i + 2 wrong codes (2 … 11). A second driver tries too.
    const driverId = 'D-BRUTE-1';
    const codes = await parcelsFor('BRUTE', 10, driverId);
    const otherCodes = await parcelsFor('BRUTE-OTHER', 1, 'D-BRUTE-2');
    const token = await h.client.driverToken(driverId);
    const otherToken = await h.client.driverToken('D-BRUTE-2');
    const plan = [...codes.entries()].map(([parcelId, code], index) => ({
      parcelId,
      code,
      attempts: index + 2,
    }));
    const [otherParcel, otherCode] = [...otherCodes.entries()][0] as [string, string];
    const logStart = h.logs.length;

    // Act: each parcel's wrong codes in order, all parcels (and the other driver) at once.
    const outcomes = await Promise.all([
      ...plan.map(async ({ parcelId, code, attempts }) => {
        const statuses: number[] = [];
        for (let attempt = 1; attempt <= attempts; attempt++) {
          statuses.push((await verify(h, parcelId, wrongCodeFor(code, attempt), token)).status);
        }
        return statuses;
      }),
      (async () => {
        const statuses: number[] = [];
        for (let attempt = 1; attempt <= 3; attempt++) {
          statuses.push((await verify(h, otherParcel, wrongCodeFor(otherCode, attempt), otherToken)).status);
        }
        return statuses;
      })(),
    ]);
    await h.sandbox.settled();
    const wrongPhaseLogs = h.logs.slice(logStart);
    const items = await Promise.all(plan.map(({ parcelId }) => itemOf(h, parcelId)));
    const rightCode = await Promise.all(plan.map(({ parcelId, code }) => verify(h, parcelId, code, token)));

    // Assess
    const attemptsMade = plan.reduce((sum, { attempts }) => sum + attempts, 0);
    figures.bruteForceAttempts += attemptsMade + 3;
    for (const [index, { attempts }] of plan.entries()) {
      const expected = Array.from({ length: attempts }, (_, k) => (k + 1 < MAX_WRONG ? 422 : 423));
      expect(outcomes[index], `parcel ${index} (${attempts} wrong codes)`).toEqual(expected);
      expect(num(items[index]?.wrongAttempts), `parcel ${index}`).toBe(Math.min(attempts, MAX_WRONG));
      expect(rightCode[index]?.status, `parcel ${index} right code`).toBe(attempts < MAX_WRONG ? 200 : 423);
    }
    figures.lockedParcels += plan.filter(({ attempts }) => attempts >= MAX_WRONG).length;
    expect(outcomes[plan.length]).toEqual([422, 422, 422]);

    // Count as the operator's Contributor Insights rule does (lib/operations.ts): every JSON log line with
    // `outcome` WRONG_CODE or LOCKED, keyed on `driverId` (lines without the key, such as EMF metrics, do not count).
    const perDriver = new Map<string, number>();
    for (const line of structuredLogs(wrongPhaseLogs)) {
      if (typeof line.driverId !== 'string') continue;
      if (line.outcome !== 'WRONG_CODE' && line.outcome !== 'LOCKED') continue;
      perDriver.set(line.driverId, (perDriver.get(line.driverId) ?? 0) + 1);
    }
    figures.loggedWrongAttempts += perDriver.get(driverId) ?? 0;
    expect(perDriver.get(driverId)).toBe(attemptsMade);
    expect(perDriver.get('D-BRUTE-2')).toBe(3);
    expect(perDriver.size).toBe(2);
  });
});
