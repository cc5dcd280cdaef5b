import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  InvalidEventPatternError,
  matchesEventPattern,
  parseEventPattern,
  testEventPattern,
} from '../../sandbox/emulators/eventbridge/event-pattern.ts';

interface ConformanceCase {
  name: string;
  expect: 'match' | 'no-match' | 'invalid';
  basedOn?: string;
  event: Record<string, unknown>;
  pattern: unknown;
}

// shared/ is a sibling of the repository checkout, both locally and in CI.
const casesUrl = new URL('../fixtures/eventbridge-patterns/cases.json', import.meta.url);
const cases = JSON.parse(readFileSync(casesUrl, 'utf8')) as ConformanceCase[];

describe('EventBridge conformance cases', () => {
  it('loads all cases', () => {
    expect(cases).toHaveLength(127);
  });

  it.each(cases.map((c) => [`${c.name}: ${c.expect}`, c] as const))('%s', (_title, c) => {
    if (c.expect === 'invalid') {
      expect(() => parseEventPattern(c.pattern)).toThrow(InvalidEventPatternError);
      expect(() => parseEventPattern(JSON.stringify(c.pattern))).toThrow(InvalidEventPatternError);
      return;
    }
    const compiled = parseEventPattern(c.pattern);
    expect(matchesEventPattern(compiled, c.event)).toBe(c.expect === 'match');
    // The JSON-string forms (as PutRule / TestEventPattern receive them) must agree.
    expect(testEventPattern(JSON.stringify(c.pattern), JSON.stringify(c.event))).toBe(c.expect === 'match');
  });
});

describe('patterns our stack relies on', () => {
  const parcelShipped = '{"source":["carrier.dispatch"],"detail-type":["Parcel Shipped"]}';

  it('matches a carrier.dispatch "Parcel Shipped" event on source and detail-type', () => {
    // Prepare
    const pattern = parseEventPattern(parcelShipped);
    const event = {
      version: '0',
      id: '7d1c3f1e-0000-4000-8000-000000000001',
      source: 'carrier.dispatch',
      'detail-type': 'Parcel Shipped',
      account: '123456789012',
      time: '2024-05-01T10:00:00Z',
      region: 'eu-west-1',
      resources: [],
      detail: { parcelId: 'P-1' },
    };

    // Act
    const matched = matchesEventPattern(pattern, event);

    // Assess
    expect(matched).toBe(true);
  });

  it('does not match a carrier.dispatch event with a different detail-type', () => {
    // Prepare
    const pattern = parseEventPattern(parcelShipped);
    const event = { source: 'carrier.dispatch', 'detail-type': 'Parcel Delivered', detail: {} };

    // Act
    const matched = matchesEventPattern(pattern, event);

    // Assess
    expect(matched).toBe(false);
  });

  it('rejects a malformed JSON string pattern as invalid', () => {
    // Prepare
    const malformed = '{"source": ["carrier.dispatch"]';

    // Act
    const parse = () => parseEventPattern(malformed);

    // Assess
    expect(parse).toThrow(InvalidEventPatternError);
    expect(parse).toThrow(/not valid JSON/);
  });
});
