import { describe, expect, it } from 'vitest';
import {
  DeliveryAttemptFailedDetailSchema,
  MAX_DECLARED_AMOUNT,
  ParcelClosedDetailSchema,
  ParcelOutForDeliveryDetailExample,
  ParcelOutForDeliveryDetailSchema,
  ParcelShippedDetailSchema,
} from '../../lambdas/domain/events/carrier-events.ts';
import { CheckedParcelSchema } from '../../lambdas/domain/events/parcel-shipped.ts';
import { firstIssue } from '../../lambdas/domain/schema-issue.ts';
import { parcelShippedDetail } from '../support/fixtures.ts';

function validDetail(): Record<string, unknown> {
  return parcelShippedDetail({ orderId: '123-456/A' });
}

/** The valid detail with one field, at a dotted path, replaced. */
function detailWith(path: string, value: unknown): Record<string, unknown> {
  const detail = structuredClone(validDetail());
  const keys = path.split('.');
  const last = keys.pop() ?? '';
  let target = detail;
  for (const key of keys) target = target[key] as Record<string, unknown>;
  target[last] = value;
  return detail;
}

function firstIssueOf(detail: unknown): { field: string; reason: string } | undefined {
  const result = ParcelShippedDetailSchema.safeParse(detail);
  return result.success ? undefined : firstIssue(result.error, 'detail');
}

describe('ParcelShippedDetailSchema', () => {
  it('accepts a valid Parcel Shipped detail unchanged', () => {
    // Prepare
    const detail = validDetail();

    // Act
    const result = ParcelShippedDetailSchema.safeParse(detail);

    // Assess
    expect(result.success).toBe(true);
    expect(result.data).toEqual(detail);
  });

  it.each([
    ['an empty recipient name', 'recipient.name', ''],
    ['the largest declared amount', 'declaredValue.amount', MAX_DECLARED_AMOUNT],
    ['a zero declared amount', 'declaredValue.amount', 0],
    ['a 64-character parcel id', 'parcelId', `P${'x'.repeat(63)}`],
    ['a parcel id with . _ -', 'parcelId', 'a.b_c-d'],
    ['a non-ASCII name', 'recipient.name', 'Zoë Ðorđević 王秀英'],
    ['an English locale', 'recipient.locale', 'en'],
    ['a LOCKER destination', 'destination.type', 'LOCKER'],
    ['a PARTNER delivery', 'deliveryPartner', 'PARTNER'],
    ['a leap day', 'expectedDeliveryDate', '2028-02-29'],
  ])('accepts %s', (_label, path, value) => {
    // Act
    const issue = firstIssueOf(detailWith(path, value));

    // Assess
    expect(issue).toBeUndefined();
  });

  it.each([
    ['a negative amount', 'declaredValue.amount', -1],
    ['a fractional amount', 'declaredValue.amount', 1299.5],
    ['an amount above the maximum', 'declaredValue.amount', MAX_DECLARED_AMOUNT + 1],
    ['a huge amount', 'declaredValue.amount', Number.MAX_SAFE_INTEGER],
    ['an amount as a string', 'declaredValue.amount', '129900'],
    ['a missing amount', 'declaredValue.amount', undefined],
    ['a lowercase currency', 'declaredValue.currency', 'eur'],
    ['a four-letter currency', 'declaredValue.currency', 'EURO'],
    ['an invalid email', 'recipient.email', 'erika-at-example.com'],
    ['an email with a display name', 'recipient.email', 'Erika <erika@example.com>'],
    [
      'an email longer than 254 characters',
      'recipient.email',
      `${'a'.repeat(64)}@${'b'.repeat(190)}.example`,
    ],
    ['a name with a control character', 'recipient.name', 'Erika\u0007'],
    ['a name with a newline', 'recipient.name', 'Erika\nBcc: x@example.com'],
    ['a name longer than 200 characters', 'recipient.name', 'E'.repeat(201)],
    ['an invalid locale', 'recipient.locale', 'not a locale!!'],
    ['an empty locale', 'recipient.locale', ''],
    ['an invalid time zone', 'destination.timeZone', 'Mars/Olympus'],
    ['an empty time zone', 'destination.timeZone', ''],
    ['an impossible date', 'expectedDeliveryDate', '2026-02-30'],
    ['a date with a time', 'expectedDeliveryDate', '2026-12-01T10:00:00Z'],
    ['an unknown destination type', 'destination.type', 'OFFICE'],
    ['a lowercase destination type', 'destination.type', 'home'],
    ['an unknown partner', 'deliveryPartner', 'DHL'],
    ['a parcel id with a slash', 'parcelId', 'PCL/789'],
    ['a parcel id of 65 characters', 'parcelId', `P${'x'.repeat(64)}`],
    ['an empty parcel id', 'parcelId', ''],
    ['a parcel id starting with a dot', 'parcelId', '.PCL'],
    ['a parcel id with path traversal', 'parcelId', '..'],
    ['an order id of 65 characters', 'orderId', `O${'x'.repeat(64)}`],
    ['an order id starting with a slash', 'orderId', '/123-456'],
  ])('rejects %s and names detail.%s', (_label, path, value) => {
    // Act
    const issue = firstIssueOf(detailWith(path, value));

    // Assess
    expect(issue?.field).toBe(`detail.${path}`);
    expect(issue?.reason).toEqual(expect.any(String));
  });

  it('refuses a recipient email that is not ASCII, so no stored address has a Unicode look-alike', () => {
    // Prepare
    const emails = ['\u212Aelly@example.com', 'kelly@ex\u00E4mple.com', 'k\u200Belly@example.com'];

    // Act
    const issues = emails.map((email) => firstIssueOf(detailWith('recipient.email', email)));

    // Assess
    for (const issue of issues) {
      expect(issue).toEqual({ field: 'detail.recipient.email', reason: 'must be an ASCII email address' });
    }
    expect(firstIssueOf(detailWith('recipient.email', 'kelly@xn--exmple-cua.com'))).toBeUndefined();
  });

  it('explains a bad currency with the schema message', () => {
    // Act
    const issue = firstIssueOf(detailWith('declaredValue.currency', 'eur'));

    // Assess
    expect(issue).toEqual({ field: 'detail.declaredValue.currency', reason: 'must be an ISO 4217 code' });
  });

  it('explains a fractional amount as not being in minor units', () => {
    // Act
    const issue = firstIssueOf(detailWith('declaredValue.amount', 0.5));

    // Assess
    expect(issue).toEqual({
      field: 'detail.declaredValue.amount',
      reason: 'must be an integer in minor units',
    });
  });

  it('rejects a missing nested object at its own path', () => {
    // Act
    const issue = firstIssueOf(detailWith('recipient', undefined));

    // Assess
    expect(issue?.field).toBe('detail.recipient');
  });
});

describe('recipient.name, printed in the greeting of our emails', () => {
  it.each([
    ['a right-to-left override', 'Alex \u202Emoc.live'],
    ['a right-to-left isolate', 'Alex \u2067evil\u2069'],
    ['a left-to-right mark', 'Alex\u200E'],
    ['a zero-width space', 'Al\u200Bex'],
    ['a zero-width joiner', 'Al\u200Dex'],
    ['a byte order mark', '\uFEFFAlex'],
    ['a soft hyphen', 'Al\u00ADex'],
    ['a line separator', 'Alex\u2028Your account is locked'],
    ['a paragraph separator', 'Alex\u2029'],
    ['a lone surrogate', 'Alex\uD800'],
  ])('refuses %s and names detail.recipient.name', (_label, name) => {
    // Act
    const issue = firstIssueOf(detailWith('recipient.name', name));

    // Assess
    expect(issue).toEqual({
      field: 'detail.recipient.name',
      reason: 'must not contain control, format (bidi, zero-width) or line/paragraph separator characters',
    });
  });

  it.each([
    ['a www host', 'www.evil.com'],
    ['a bare domain with a path', 'evil.com/x'],
    ['a URL', 'https://evil.example/login'],
    ['a domain inside a sentence', 'Alex, verify your parcel at evil.com'],
    ['an ideographic full stop as the dot', 'evil\u3002com'],
    ['a fullwidth full stop as the dot', 'evil\uFF0Ecom'],
    ['an email address', 'alex@evil.example'],
    ['a mailto or tel scheme', 'tel:+4930123'],
    ['a phone number', 'Alex, call 0800 123 456'],
    ['a UNC path', '\\\\evil\\share'],
  ])('refuses %s, which mail clients would link, and names detail.recipient.name', (_label, name) => {
    // Act
    const issue = firstIssueOf(detailWith('recipient.name', name));

    // Assess
    expect(issue).toEqual({
      field: 'detail.recipient.name',
      reason: 'must not look like a link: no URL, domain, email address or phone number',
    });
  });

  it.each([
    "J.R.R. O'Neil-Smith",
    'Dr. med. Anna Müller',
    'Kim c/o Alex Example',
    'Ангелина Иванова',
    'محمد عبد الله',
    '王秀英',
    'Louis XIV',
    'Zoë 😀',
  ])('accepts the real name %j', (name) => {
    // Act
    const issue = firstIssueOf(detailWith('recipient.name', name));

    // Assess
    expect(issue).toBeUndefined();
  });
});

/** Every string in a JSON value, as dotted paths. */
function stringPaths(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, item]) => stringPaths(item, prefix ? `${prefix}.${key}` : key));
}

/** A copy of `detail` with `insert` put at the start of the string at `path`. */
function withPrefixed(
  detail: Record<string, unknown>,
  path: string,
  insert: string,
): Record<string, unknown> {
  const copy = structuredClone(detail);
  const keys = path.split('.');
  const last = keys.pop() ?? '';
  let target = copy;
  for (const key of keys) target = target[key] as Record<string, unknown>;
  target[last] = `${insert}${String(target[last])}`;
  return copy;
}

describe('every string field of the consumed events', () => {
  const events = [
    { name: 'Parcel Shipped', schema: ParcelShippedDetailSchema, detail: validDetail() },
    {
      name: 'Parcel Out For Delivery',
      schema: ParcelOutForDeliveryDetailSchema,
      detail: { parcelId: 'PCL-789', driverId: 'D-1', deliveryDate: '2026-12-01' },
    },
    {
      name: 'Delivery Attempt Failed',
      schema: DeliveryAttemptFailedDetailSchema,
      detail: { parcelId: 'PCL-789', driverId: 'D-1', reason: 'NOBODY_HOME', nextAttemptDate: '2026-12-02' },
    },
    {
      name: 'Parcel Returned / Shipment Cancelled',
      schema: ParcelClosedDetailSchema,
      detail: { parcelId: 'PCL-789' },
    },
  ];

  it.each(events)(
    '$name: refuses a bidi control, zero-width or separator character in each, naming it',
    ({ schema, detail }) => {
      // Prepare
      const paths = stringPaths(detail);
      expect(schema.safeParse(detail).success).toBe(true);

      for (const path of paths) {
        for (const insert of ['\u202E', '\u200B', '\u2028', '\u2029', '\u2066']) {
          // Act
          const result = schema.safeParse(withPrefixed(detail, path, insert));

          // Assess
          expect(result.success, `${path} with U+${insert.codePointAt(0)?.toString(16)}`).toBe(false);
          expect(result.error && firstIssue(result.error, 'detail').field).toBe(`detail.${path}`);
        }
      }
    },
  );
});

describe('ParcelOutForDeliveryDetailSchema', () => {
  it('accepts a parcel, a Cognito sub as driver and a delivery date', () => {
    // Act
    const result = ParcelOutForDeliveryDetailSchema.safeParse({
      parcelId: 'PCL-789',
      driverId: '3f1c2a9e-8b7d-4c6e-9f00-123456789abc',
      deliveryDate: '2026-12-01',
    });

    // Assess
    expect(result.success).toBe(true);
  });

  it('rejects a driver id with a space and names detail.driverId', () => {
    // Act
    const result = ParcelOutForDeliveryDetailSchema.safeParse({
      parcelId: 'PCL-789',
      driverId: 'driver 1',
      deliveryDate: '2026-12-01',
    });

    // Assess
    expect(result.success).toBe(false);
    expect(result.error && firstIssue(result.error, 'detail').field).toBe('detail.driverId');
  });

  it('accepts a driver id of 128 characters and refuses one of 129, naming detail.driverId', () => {
    // Prepare
    const detail = (driverId: string) => ({ ...ParcelOutForDeliveryDetailExample, driverId });

    // Act
    const longest = ParcelOutForDeliveryDetailSchema.safeParse(detail('D'.repeat(128)));
    const tooLong = ParcelOutForDeliveryDetailSchema.safeParse(detail('D'.repeat(129)));

    // Assess
    expect(longest.success).toBe(true);
    expect(tooLong.error && firstIssue(tooLong.error, 'detail').field).toBe('detail.driverId');
  });
});

describe('firstIssue', () => {
  it('names the root when the value itself is wrong', () => {
    // Prepare
    const result = ParcelShippedDetailSchema.safeParse('not an object');

    // Act
    const issue = result.error ? firstIssue(result.error) : undefined;

    // Assess
    expect(issue?.field).toBe('(root)');
  });

  it('prefixes the path when a prefix is given and leaves it bare otherwise', () => {
    // Prepare
    const result = ParcelShippedDetailSchema.safeParse(detailWith('parcelId', ''));

    // Act
    const bare = result.error ? firstIssue(result.error).field : undefined;
    const prefixed = result.error ? firstIssue(result.error, 'detail').field : undefined;

    // Assess
    expect(bare).toBe('parcelId');
    expect(prefixed).toBe('detail.parcelId');
  });
});

describe('recipient.phone, the code SMS number', () => {
  it('normalizes a number to its one E.164 spelling: +49 0151… (trunk prefix kept) is stored as +49 151…', () => {
    // Prepare
    const detail = detailWith('recipient.phone', '+49015100000088');

    // Act
    const parsed = ParcelShippedDetailSchema.parse(detail);

    // Assess
    expect(parsed.recipient.phone).toBe('+4915100000088');
  });

  it.each([['+4915112345678'], ['+447400123456'], ['+12025550123']])(
    'accepts the E.164 number %s',
    (phone) => {
      // Prepare, Act
      const issue = firstIssueOf(detailWith('recipient.phone', phone));

      // Assess
      expect(issue).toBeUndefined();
    },
  );

  it.each([
    ['a national number', '015112345678'],
    ['spaces', '+49 151 12345678'],
    ['a leading zero country code', '+0151123456'],
    ['more than 15 digits', '+4915112345678901'],
    ['too few digits', '+491234'],
    ['Arabic-Indic digits', '+٤٩١٥١١٢٣٤٥٦٧٨'],
    ['fullwidth digits', '+４９１５１１２３４５６７８'],
    ['a trailing newline', '+4915112345678\n'],
    ['a number', 4915112345678],
    ['a number no numbering plan has (the UK fiction range +44 7700 900…)', '+447700900123'],
    ['a North American number whose area code cannot exist (123)', '+11235550123'],
  ])('refuses %s, naming detail.recipient.phone and not echoing the value', (_what, phone) => {
    // Prepare, Act
    const issue = firstIssueOf(detailWith('recipient.phone', phone));

    // Assess
    expect(issue?.field).toBe('detail.recipient.phone');
    expect(issue?.reason).not.toContain(String(phone));
  });
});

describe('CheckedParcelSchema, issue-otp’s input: the parcel check-value validated and passed on', () => {
  it('reads the parcel as check-value passed it on unchanged, its phone in canonical E.164', () => {
    // Prepare
    const passedOn = ParcelShippedDetailSchema.parse(detailWith('recipient.phone', '+49015100000088'));

    // Act
    const read = CheckedParcelSchema.parse(passedOn);

    // Assess
    expect(read).toEqual(passedOn);
    expect(read.recipient.phone).toBe('+4915100000088');
  });

  it.each([
    ['a national number', '015112345678'],
    ['spaces', '+49 151 12345678'],
    ['a trailing newline', '+4915112345678\n'],
  ])('still refuses a phone not in E.164 form (%s), naming recipient.phone', (_what, phone) => {
    // Act
    const result = CheckedParcelSchema.safeParse(detailWith('recipient.phone', phone));

    // Assess
    expect(result.success).toBe(false);
    expect(result.success ? undefined : firstIssue(result.error).field).toBe('recipient.phone');
  });

  it('leaves the numbering plan to check-value: an E.164 number no plan has passes here', () => {
    // Act
    const result = CheckedParcelSchema.safeParse(detailWith('recipient.phone', '+447700900123'));

    // Assess
    expect(result.success).toBe(true);
  });
});
