import { join } from 'node:path';
import ajvDraft04 from 'ajv-draft-04';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { EVENTS, ParcelShippedDetailExample } from '../../lambdas/domain/events/index.ts';
import { eventJsonSchema } from '../../lambdas/domain/events/json-schema.ts';
import { shippedDetail } from '../../sandbox/app/client.ts';
import { REPO_ROOT } from '../../sandbox/app/paths.ts';
import { parcelShippedDetail } from '../support/fixtures.ts';

// CommonJS: Node's default import is `module.exports`, whose `default` is the class.
const Ajv = ajvDraft04.default;
const byType = EVENTS.map((event) => [event.detailType, event] as const);

/**
 * A draft-4 validator as a carrier would run one on the downloaded schema; strict, so a keyword it does not
 * know fails unless named here: the registry's `x-amazon-events-*` and the `examples` annotation. Formats
 * are left to the zod schema (the first test).
 */
function draft4Validator(): InstanceType<typeof Ajv> {
  const ajv = new Ajv({ strict: true, allErrors: true, validateFormats: false });
  for (const keyword of ['x-amazon-events-source', 'x-amazon-events-detail-type', 'examples']) {
    ajv.addKeyword(keyword);
  }
  return ajv;
}

describe("each event's example detail", () => {
  it.each(byType)('%s: the example passes its own schema', (_, event) => {
    // Act
    const parsed = event.schema.safeParse(event.example);

    // Assess
    expect(parsed.error?.issues).toBeUndefined();
    expect(parsed.data).toEqual(event.example);
  });

  it.each(byType)('%s: the generated JSON Schema carries the example under detail.examples', (_, event) => {
    // Act
    const document = eventJsonSchema(event) as { properties: { detail: { examples?: unknown[] } } };

    // Assess
    expect(document.properties.detail.examples).toEqual([event.example]);
  });

  it.each(byType)(
    '%s: the generated document is valid draft 4 and a draft-4 validator accepts an event with the example',
    (_, event) => {
      // Prepare
      const ajv = draft4Validator();
      const document = eventJsonSchema(event);
      const envelope = {
        version: '0',
        id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
        'detail-type': event.detailType,
        source: (document.properties as { source: { enum: string[] } }).source.enum[0],
        account: '123456789012',
        time: '2026-12-01T10:00:00Z',
        region: 'eu-central-1',
        resources: [],
        detail: event.example,
      };

      // Act
      const validSchema = ajv.validateSchema(document);
      const validate = ajv.compile(document);
      const accepted = validate(envelope);

      // Assess
      expect(ajv.errors ?? []).toEqual([]);
      expect(validSchema).toBe(true);
      expect(validate.errors ?? []).toEqual([]);
      expect(accepted).toBe(true);
    },
  );

  it('an example that breaks its schema fails the check (a wrong example cannot hide)', () => {
    // Prepare
    const [shipped] = EVENTS;
    const broken = { ...ParcelShippedDetailExample, expectedDeliveryDate: '2026-02-30' };

    // Act
    const parsed = shipped.schema.safeParse(broken);

    // Assess
    expect(parsed.success).toBe(false);
  });
});

describe('Parcel Shipped details of the tests and the sandbox build on the example', () => {
  it("the fixtures' detail is the example, and a change to a nested field leaves the example alone", () => {
    // Prepare
    const original = structuredClone(ParcelShippedDetailExample);

    // Act
    const detail = parcelShippedDetail();
    detail.recipient.email = 'changed@example.com';

    // Assess
    expect(parcelShippedDetail()).toEqual(ParcelShippedDetailExample);
    expect(ParcelShippedDetailExample).toEqual(original);
  });

  it("the sandbox's detail is the example with its own parcel, order, address and delivery tomorrow", () => {
    // Act
    const detail = shippedDetail('SB-1');

    // Assess
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    expect(detail).toEqual({
      ...ParcelShippedDetailExample,
      parcelId: 'SB-1',
      orderId: 'O-SB-1',
      recipient: { ...ParcelShippedDetailExample.recipient, email: 'sb-1@example.com' },
      expectedDeliveryDate: tomorrow,
    });
    expect(EVENTS[0].schema.safeParse(detail).success).toBe(true);
  });

  it('the fixtures module loads no AWS SDK and no sandbox module, so domain tests stay free of AWS', async () => {
    // Act
    const result = await build({
      entryPoints: [join(REPO_ROOT, 'test', 'support', 'fixtures.ts')],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      logLevel: 'silent',
    });

    // Assess
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((input) => input.includes('@aws-sdk') || input.startsWith('sandbox/'))).toEqual([]);
  });
});
