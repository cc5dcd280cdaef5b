import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryWindowEnd } from '../../lambdas/domain/delivery-window.ts';
import { DeliveryDateOutOfRangeError } from '../../lambdas/domain/errors.ts';
import { ParcelShippedDetailSchema } from '../../lambdas/domain/events/carrier-events.ts';
import { PARCEL_ID_PATTERN } from '../../lambdas/domain/identifiers.ts';
import { firstIssue } from '../../lambdas/domain/schema-issue.ts';
import { decideOtp } from '../../lambdas/domain/value-policy.ts';
import { DEFAULT_CONFIG } from '../../lib/config.ts';
import {
  emailCount,
  executionEvent,
  type Harness,
  itemCount,
  itemOf,
  newExecutions,
  outForDelivery,
  post,
  printFigure,
  putShipped,
  readyForHandover,
  shippedDetail,
  startHarness,
  verify,
} from './support.ts';

const EVENT_RUNS = 20; // x 10 events per PutEvents batch; the first run is the fixed batch of named cases
const BATCH = 10;
const VERIFY_RUNS = 300;
const MAX_DAYS_AHEAD = 60;

let h: Harness;
const figures = {
  events: 0,
  succeeded: 0,
  invalidParcelEvent: 0,
  dateOutOfRange: 0,
  otherErrors: 0,
  codesIssued: 0,
  partialWrites: 0,
  verifyRequests: 0,
  verify5xx: 0,
  verifyStatuses: {} as Record<number, number>,
  dataLost: 0,
};

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.stop();
  const statuses = Object.entries(figures.verifyStatuses)
    .map(([status, count]) => `${status}:${count}`)
    .join(',');
  printFigure(
    `FIGURE bad-input: inputsFuzzed=${figures.events + figures.verifyRequests} events=${figures.events} ` +
      `succeeded=${figures.succeeded} InvalidParcelEventError=${figures.invalidParcelEvent} ` +
      `DeliveryDateOutOfRangeError=${figures.dateOutOfRange} otherErrors=${figures.otherErrors} ` +
      `codesIssued=${figures.codesIssued} partialWrites=${figures.partialWrites} ` +
      `verifyRequests=${figures.verifyRequests} verifyStatuses=${statuses} verify5xx=${figures.verify5xx} ` +
      `dataLost=${figures.dataLost}`,
  );
});

// ---------------------------------------------------------------------------------------------------------
// Parcel Shipped mutations

type Path = readonly string[];
type Mutation =
  | { readonly kind: 'set'; readonly path: Path; readonly value: unknown }
  | { readonly kind: 'delete'; readonly path: Path }
  | { readonly kind: 'extra'; readonly path: Path; readonly key: string; readonly value: unknown };

const dayFromToday = (days: number): string =>
  new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

const wrongType = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }),
  fc.string({ maxLength: 20 }),
);

/** Oversize strings: up to 10 000 repetitions of ASCII, accented, astral, NUL or markup. */
const oversize = fc
  .tuple(fc.constantFrom('A', '9', 'é', '😀', '\u0000', ' ', '<b>'), fc.integer({ min: 65, max: 10_000 }))
  .map(([unit, count]) => unit.repeat(count));

/** Values aimed at each field's rule, valid and invalid alike: the oracle decides which is which. */
const FIELD_VALUES: Record<string, fc.Arbitrary<unknown>> = {
  parcelId: fc.constantFrom('', '-P1', '.P1', 'P/1', 'P 1', 'P'.repeat(65), 'P١', 'P\u0000', 'P@1', 'Pä'),
  orderId: fc.constantFrom(
    '302-1234567-7654321',
    'A/B/C',
    '/A',
    '',
    'O'.repeat(64),
    'O'.repeat(65),
    'Ö-1',
    'O 1',
  ),
  'declaredValue.amount': fc.oneof(
    fc.constantFrom(
      0,
      49_999,
      50_000,
      129_900,
      10_000_000_000_000,
      10_000_000_000_001,
      1e14,
      Number.MAX_SAFE_INTEGER,
      Number.MAX_VALUE,
      -1,
      -129_900,
      1.5,
      0.1,
    ),
    // Not numbers in JSON: strings, unicode digits, and what NaN or Infinity would have to be sent as.
    fc.constantFrom('129900', '١٢٩٩٠٠', '１２９９００', 'NaN', 'Infinity', '-Infinity', '1e309', '12,99', ''),
    fc.maxSafeInteger(),
  ),
  'declaredValue.currency': fc.oneof(
    fc.constantFrom(
      'EUR',
      'USD',
      'GBP',
      'CHF',
      'JPY',
      'XYZ',
      'eur',
      'Eur',
      'usd',
      'EURO',
      'EU',
      '€',
      '',
      ' EUR',
    ),
    fc.stringMatching(/^[A-Za-z]{3}$/),
  ),
  'recipient.email': fc.constantFrom(
    'someone@example.com',
    'not-an-email',
    '',
    '@example.com',
    'a@b',
    'a b@example.com',
    `${'x'.repeat(250)}@example.com`,
    'ALEX@EXAMPLE.COM',
    'üñí@example.com',
  ),
  'recipient.name': fc.constantFrom(
    '',
    'N'.repeat(200),
    'N'.repeat(201),
    'Tab\tName',
    'Bell\u0007',
    'Zoë 😀',
    'Del\u007f',
    'Alex \u202Emoc.live',
    'Al\u200Bex',
    'Alex\u2028Bcc',
    'www.evil.com',
  ),
  'recipient.locale': fc.constantFrom(
    'de-DE',
    'en-GB',
    'fr',
    'de_DE',
    '',
    'l'.repeat(36),
    'i-klingon',
    'en-US-u-ca-buddhist',
    '123',
  ),
  'destination.type': fc.constantFrom('HOME', 'LOCKER', 'PO_BOX', 'PICKUP_POINT', 'home', '', 'MOON'),
  'destination.timeZone': fc.constantFrom(
    'Europe/Berlin',
    'europe/berlin',
    'Pacific/Kiritimati',
    'Etc/GMT+12',
    'America/Santiago',
    'Asia/Kathmandu',
    'UTC',
    'Mars/Olympus',
    '+01:00',
    'GMT+1',
    '',
    'Europe/Berlin ',
    'Z'.repeat(65),
  ),
  deliveryPartner: fc.constantFrom('OWN_FLEET', 'PARTNER', 'own_fleet', 'DHL', ''),
  expectedDeliveryDate: fc.oneof(
    fc.constantFrom(
      '2026-02-30',
      '2026-13-01',
      '2026-00-10',
      '2026-1-1',
      '20261201',
      '2026-12-01T00:00:00Z',
      '0000-01-01',
      '9999-12-31',
      '٢٠٢٦-١٢-٠١',
      '',
    ),
    // Around the window: past days, today, tomorrow, and either side of 60 days ahead.
    fc.integer({ min: -3, max: 65 }).map(dayFromToday),
  ),
};
const OBJECT_PATHS: Path[] = [['declaredValue'], ['recipient'], ['destination']];
const LEAF_PATHS: Path[] = Object.keys(FIELD_VALUES).map((key) => key.split('.'));
const EXTRA_KEYS = ['extra', 'code', 'otp', 'constructor', 'toString', '__proto__', 'amount2', 'ÿ', ''];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    // The delivery window, on purpose: either side of today and of 60 days ahead.
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('set' as const),
      path: fc.constant(['expectedDeliveryDate']),
      value: fc.constantFrom(-2, -1, 0, 1, 59, 60, 61, 62, 65).map(dayFromToday),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.constantFrom(...LEAF_PATHS).chain((path) =>
      fc.record({
        kind: fc.constant('set' as const),
        path: fc.constant(path),
        value: FIELD_VALUES[path.join('.')] as fc.Arbitrary<unknown>,
      }),
    ),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('set' as const),
      path: fc.constantFrom(...LEAF_PATHS, ...OBJECT_PATHS),
      value: fc.oneof(wrongType, oversize),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('delete' as const),
      path: fc.constantFrom(...LEAF_PATHS, ...OBJECT_PATHS),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('extra' as const),
      path: fc.constantFrom<Path>([], ...OBJECT_PATHS),
      key: fc.constantFrom(...EXTRA_KEYS),
      value: wrongType,
    }),
  },
);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Applies the mutations that still have a parent object to a copy of `base`. */
function mutate(base: Record<string, unknown>, mutations: readonly Mutation[]): Record<string, unknown> {
  const detail = structuredClone(base);
  for (const change of mutations) {
    const parentPath = change.kind === 'extra' ? change.path : change.path.slice(0, -1);
    let parent: unknown = detail;
    for (const key of parentPath) parent = isObject(parent) ? parent[key] : undefined;
    if (!isObject(parent)) continue;
    if (change.kind === 'extra') {
      // Own enumerable property even for `__proto__`, so it really is sent.
      Object.defineProperty(parent, change.key, {
        value: change.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      continue;
    }
    const key = change.path[change.path.length - 1] as string;
    // Every input keeps a parcelId of its own: a parcelId is only ever replaced by an invalid one.
    if (
      key === 'parcelId' &&
      change.kind === 'set' &&
      typeof change.value === 'string' &&
      PARCEL_ID_PATTERN.test(change.value)
    ) {
      continue;
    }
    if (change.kind === 'delete') delete parent[key];
    else parent[key] = change.value;
  }
  return detail;
}

type Expected =
  | { readonly status: 'SUCCEEDED'; readonly otpRequired: boolean }
  | {
      readonly status: 'FAILED';
      readonly error: 'InvalidParcelEventError' | 'DeliveryDateOutOfRangeError';
      readonly field: string;
    };

/** The contract, from the domain schema, the value policy and the date window, evaluated at `now`. */
function expectedOutcome(detail: unknown, now: Date): Expected {
  const parsed = ParcelShippedDetailSchema.safeParse(detail);
  if (!parsed.success) {
    return {
      status: 'FAILED',
      error: 'InvalidParcelEventError',
      field: firstIssue(parsed.error, 'detail').field,
    };
  }
  const decision = decideOtp(parsed.data, DEFAULT_CONFIG.otpThresholds);
  if (decision.required) {
    try {
      deliveryWindowEnd(
        parsed.data.expectedDeliveryDate,
        parsed.data.destination.timeZone,
        now,
        MAX_DAYS_AHEAD,
      );
    } catch (error) {
      if (!(error instanceof DeliveryDateOutOfRangeError)) throw error;
      return { status: 'FAILED', error: 'DeliveryDateOutOfRangeError', field: error.field };
    }
  }
  return { status: 'SUCCEEDED', otpRequired: decision.required };
}

const matches = (
  expected: Expected,
  execution: { status?: string; error?: string; cause?: string; output?: string },
): boolean => {
  if (expected.status === 'SUCCEEDED') {
    if (execution.status !== 'SUCCEEDED') return false;
    const output = JSON.parse(execution.output ?? '{}') as { otpRequired?: boolean };
    return output.otpRequired === expected.otpRequired;
  }
  return (
    execution.status === 'FAILED' &&
    execution.error === expected.error &&
    (execution.cause ?? '').startsWith(`Invalid parcel event: ${expected.field}:`)
  );
};

// ---------------------------------------------------------------------------------------------------------
// Verify requests

const ALLOWED_VERIFY_STATUSES = [400, 403, 404, 409, 410, 413, 422, 423];
const sixAsciiDigits = fc.stringMatching(/^[0-9]{6}$/);
const codeValue = fc.oneof(
  sixAsciiDigits,
  fc.constantFrom(
    '١٢٣٤٥٦',
    '１２３４５６',
    '𝟏𝟐𝟑𝟒𝟓𝟔',
    '12345',
    '1234567',
    ' 123456',
    '123456 ',
    '123456\n',
    '12345a',
    '',
  ),
  fc.integer({ min: 0, max: 999_999 }),
  fc.constant(null),
  fc.array(sixAsciiDigits, { maxLength: 2 }),
  fc.jsonValue({ maxDepth: 2 }),
);
const body: fc.Arbitrary<string | Uint8Array | undefined> = fc.oneof(
  { weight: 4, arbitrary: sixAsciiDigits.map((code) => JSON.stringify({ code })) },
  fc.record({ code: codeValue }).map((value) => JSON.stringify(value)),
  fc.record({ code: codeValue, extra: fc.jsonValue({ maxDepth: 2 }) }).map((value) => JSON.stringify(value)),
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.string({ unit: 'binary-ascii', maxLength: 60 }),
  fc.integer({ min: 900, max: 20_000 }).map((length) => JSON.stringify({ code: '1'.repeat(length) })),
  fc.integer({ min: 1025, max: 20_000 }).map((length) => 'x'.repeat(length)),
  fc.uint8Array({ maxLength: 300 }),
  fc.constantFrom(undefined, '', 'null', '[]', '"123456"', '{"code":', '{"code":"123456"}'),
);
const headerText = (maxLength: number) =>
  fc
    .string({ unit: 'binary-ascii', maxLength })
    // Header values may hold tab, printable ASCII and nothing else.
    .map((text) => [...text].filter((char) => char === '\t' || (char >= ' ' && char !== '\u007f')).join(''));
const contentType = fc.option(
  fc.oneof(
    fc.constantFrom(
      'application/json',
      'text/plain',
      'application/octet-stream',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=utf-16',
      'image/png',
      ';;;',
      'application/json, text/html',
      '*/*',
    ),
    headerText(40),
  ),
  { nil: undefined },
);
const extraHeaders = fc.dictionary(fc.stringMatching(/^x-[a-z0-9-]{1,20}$/), headerText(200), { maxKeys: 5 });

describe('bad input', () => {
  it('fails every malformed Parcel Shipped at its first step with a typed error naming the field, writes and sends nothing, and handles every valid one', async () => {
    // Prepare
    let run = 0;
    const seen = new Set<string>();
    await newExecutions(h, seen);
    const cases = fc.array(fc.array(mutation, { maxLength: 3 }), { minLength: BATCH, maxLength: BATCH });
    const set = (path: string, value: unknown): Mutation[] => [{ kind: 'set', path: path.split('.'), value }];
    // One fixed batch first, so the cases the contract names are always among the inputs.
    const namedCases: Mutation[][] = [
      set('expectedDeliveryDate', dayFromToday(-2)),
      set('expectedDeliveryDate', dayFromToday(65)),
      set('expectedDeliveryDate', '2026-02-30'),
      set('declaredValue.amount', Number.MAX_VALUE),
      set('declaredValue.amount', '١٢٩٩٠٠'),
      set('declaredValue.currency', 'eur'),
      set('destination.timeZone', 'Mars/Olympus'),
      [{ kind: 'delete', path: ['recipient'] }],
      [
        { kind: 'extra', path: [], key: 'extra', value: { nested: [1, 2] } },
        { kind: 'extra', path: ['recipient'], key: '__proto__', value: 'polluted?' },
      ],
      set('declaredValue.currency', 'XYZ'),
    ];

    // Act + Assess, per batch of ten events
    await fc.assert(
      fc.asyncProperty(cases, async (batch) => {
        run++;
        const details = batch.map((mutations, index) =>
          mutate(shippedDetail(`BAD-${run}-${index}`), mutations),
        );
        const [itemsBefore, emailsBefore] = [await itemCount(h), await emailCount(h)];
        // The oracle judges what the bus delivers: the details after a JSON round trip.
        const delivered = details.map((detail) => JSON.parse(JSON.stringify(detail)) as unknown);
        const before = delivered.map((detail) => expectedOutcome(detail, new Date()));
        const entries = await putShipped(h, details);
        await h.sandbox.settled();
        const after = delivered.map((detail) => expectedOutcome(detail, new Date()));
        const executions = await newExecutions(h, seen);
        figures.events += details.length;

        let issued = 0;
        for (const [index, detail] of details.entries()) {
          const eventId = entries[index]?.eventId;
          expect(eventId, `the bus accepted event ${index}`).toBeTruthy();
          const runs = executions.filter((execution) => executionEvent(execution).id === eventId);
          expect(runs, `one execution for event ${index}`).toHaveLength(1);
          const execution: { status?: string; error?: string; cause?: string; output?: string } =
            runs[0] ?? {};
          const expected = [before[index], after[index]] as Expected[];
          // Either evaluation counts: a delivery day can end between publishing and finishing.
          const context = JSON.stringify({
            detail,
            expected,
            execution: { ...execution, input: undefined },
          }).slice(0, 3000);
          expect(
            expected.some((candidate) => matches(candidate, execution)),
            context,
          ).toBe(true);
          if (execution.status === 'SUCCEEDED') figures.succeeded++;
          else if (execution.error === 'InvalidParcelEventError') figures.invalidParcelEvent++;
          else if (execution.error === 'DeliveryDateOutOfRangeError') figures.dateOutOfRange++;
          else figures.otherErrors++;

          const parcelId = `BAD-${run}-${index}`;
          const required =
            execution.status === 'SUCCEEDED' && JSON.parse(execution.output ?? '{}').otpRequired === true;
          const item = await itemOf(h, parcelId);
          if (required) {
            issued++;
            if (!item) figures.dataLost++;
            expect(item?.status?.S, context).toBe('ISSUED');
            expect(item?.emailStatus?.S, context).toBe('SENT');
          } else {
            if (item) figures.partialWrites++;
            expect(item, context).toBeUndefined();
          }
        }
        figures.codesIssued += issued;
        // Nothing else was written or sent anywhere: one item and one email per issued code, no more.
        const [itemsAfter, emailsAfter] = [await itemCount(h), await emailCount(h)];
        if (emailsAfter - emailsBefore < issued) figures.dataLost += issued - (emailsAfter - emailsBefore);
        if (itemsAfter - itemsBefore > issued) figures.partialWrites += itemsAfter - itemsBefore - issued;
        expect(itemsAfter - itemsBefore).toBe(issued);
        expect(emailsAfter - emailsBefore).toBe(issued);
      }),
      { numRuns: EVENT_RUNS, endOnFailure: true, examples: [[namedCases]] },
    );

    expect(figures.events).toBe(EVENT_RUNS * BATCH);
    expect(figures.otherErrors).toBe(0);
    // The generator really exercised both sides of the contract.
    expect(figures.succeeded).toBeGreaterThan(0);
    expect(figures.invalidParcelEvent).toBeGreaterThan(0);
    expect(figures.dateOutOfRange).toBeGreaterThan(0);
    expect(figures.codesIssued).toBeGreaterThan(0);
  }, 120_000);

  it('answers every verify request with a 4xx and a JSON code, whatever its body, path and headers', async () => {
    // Prepare: a parcel open for this driver, one out with another driver, one already handed over, and
    // one out with this driver that has no code (the only one a driver gets 404 for).
    const driverId = 'D-FUZZ';
    const open = await readyForHandover(h, 'FUZZ-OPEN-1', driverId);
    await readyForHandover(h, 'FUZZ-OTHER-1', 'D-FUZZ-OTHER');
    await outForDelivery(h, 'FUZZ-CODELESS-1', driverId);
    const done = await readyForHandover(h, 'FUZZ-DONE-1', driverId);
    expect((await verify(h, 'FUZZ-DONE-1', done.code, done.token)).status).toBe(200);
    const parcelIds = fc
      .oneof(
        {
          // Known parcels often enough that every refusal shows up (the open one needs five wrong codes to lock).
          weight: 6,
          arbitrary: fc.constantFrom(
            'FUZZ-OPEN-1',
            'FUZZ-OPEN-1',
            'FUZZ-OTHER-1',
            'FUZZ-DONE-1',
            'FUZZ-UNKNOWN-1',
            'FUZZ-CODELESS-1',
          ),
        },
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }),
        fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 40 }),
        fc.integer({ min: 65, max: 2_000 }).map((length) => 'P'.repeat(length)),
        fc.string({ unit: 'grapheme', minLength: 100, maxLength: 150 }),
      )
      // `.` and `..` are dot segments: the URL is normalised and never names this route.
      .filter((id) => id !== '.' && id !== '..');
    const statuses: number[] = [];

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(parcelIds, body, contentType, extraHeaders, async (parcelId, payload, type, extra) => {
        const answer = await post(h, `/parcels/${encodeURIComponent(parcelId)}/verify`, payload, {
          ...extra,
          ...(type === undefined ? {} : { 'content-type': type }),
          authorization: `Bearer ${open.token}`,
        });
        statuses.push(answer.status);
        figures.verifyRequests++;
        figures.verifyStatuses[answer.status] = (figures.verifyStatuses[answer.status] ?? 0) + 1;
        if (answer.status >= 500) figures.verify5xx++;
        expect(ALLOWED_VERIFY_STATUSES, `${answer.status} ${answer.text.slice(0, 200)}`).toContain(
          answer.status,
        );
        expect(typeof answer.json?.code, answer.text.slice(0, 200)).toBe('string');
      }),
      { numRuns: VERIFY_RUNS, endOnFailure: true },
    );

    expect(statuses).toHaveLength(VERIFY_RUNS);
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    // The generator reached every refusal the API can give this driver here (410 needs a day to pass).
    expect(new Set(statuses)).toEqual(new Set([400, 403, 404, 409, 413, 422, 423]));
  }, 60_000);
});
