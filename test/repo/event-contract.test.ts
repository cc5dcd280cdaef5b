import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EVENTS, ParcelShippedDetailExample } from '../../lambdas/domain/events/index.ts';
import { eventJsonSchema } from '../../lambdas/domain/events/json-schema.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface JsonSchemaObject {
  readonly properties?: Record<string, JsonSchemaObject>;
  readonly required?: readonly string[];
}

/** Field path → required, for every field of a detail schema (nested objects as dotted paths when `deep`). */
function schemaFields(schema: JsonSchemaObject, deep: boolean, prefix = ''): Map<string, boolean> {
  const fields = new Map<string, boolean>();
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const path = `${prefix}${name}`;
    const required = (schema.required ?? []).includes(name);
    if (deep && property.properties) {
      for (const [inner, innerRequired] of schemaFields(property, deep, `${path}.`)) {
        fields.set(inner, required && innerRequired);
      }
    } else fields.set(path, required);
  }
  return fields;
}

/** docs/events.md, the event contract's one reference. */
function eventSection(): string {
  return readFileSync(join(root, 'docs', 'events.md'), 'utf8');
}

/**
 * What docs/events.md documents per detail-type: rows `| \`Type\` | \`{ a, b? }\` |` (top-level fields, `?`
 * optional), and `| field | rule |` tables under a bold `**\`Type\`**` (dotted paths; "optional" rules).
 */
function documentedEvents(section: string): Map<string, { deep: boolean; fields: Map<string, boolean> }> {
  const events = new Map<string, { deep: boolean; fields: Map<string, boolean> }>();
  let heading: string | undefined;
  for (const line of section.split('\n')) {
    const bold = /^\*\*`([^`]+)`\*\*/.exec(line);
    if (bold) heading = bold[1];
    const row = /^\| `([^`]+)` \| `\{([^}]*)\}`/.exec(line);
    if (row?.[1] && row[2] !== undefined) {
      const fields = new Map<string, boolean>();
      for (const field of row[2].split(',').map((name) => name.trim())) {
        if (field) fields.set(field.replace(/\?$/, ''), !field.endsWith('?'));
      }
      events.set(row[1], { deep: false, fields });
      continue;
    }
    const fieldRow = /^\| `([A-Za-z.]+)` \| (.*) \|$/.exec(line);
    if (heading && fieldRow?.[1] && fieldRow[2] !== undefined) {
      const entry = events.get(heading) ?? { deep: true, fields: new Map<string, boolean>() };
      entry.fields.set(fieldRow[1], !fieldRow[2].startsWith('optional'));
      events.set(heading, entry);
    }
  }
  return events;
}

describe('the event tables of docs/events.md', () => {
  it('document exactly the events of the contract, no more and no fewer', () => {
    // Prepare
    const contract = EVENTS.map((event) => event.detailType).sort();

    // Act
    const documented = [...documentedEvents(eventSection()).keys()].sort();

    // Assess
    expect(documented).toEqual(contract);
  });

  it.each(EVENTS.map((event) => [event.detailType, event] as const))(
    'list every field of %s the generated schema has, with its required-ness, and no other',
    (_, event) => {
      // Prepare
      const documented = documentedEvents(eventSection()).get(event.detailType);
      const detail = (eventJsonSchema(event) as { properties: { detail: JsonSchemaObject } }).properties
        .detail;

      // Act
      const generated = schemaFields(detail, documented?.deep ?? false);

      // Assess
      expect(Object.fromEntries(documented?.fields ?? [])).toEqual(Object.fromEntries(generated));
    },
  );

  it("shows as Parcel Shipped's detail the contract's example, not a copy that can drift", () => {
    // Prepare
    const section = eventSection();

    // Act
    const block = /```json\n([\s\S]*?)\n```/.exec(section)?.[1] ?? 'null';

    // Assess
    expect(JSON.parse(block)).toEqual(ParcelShippedDetailExample);
  });

  it('gives no emitted event a field for a code, hash, ciphertext, email, name, locale or phone', () => {
    // Prepare
    const emitted = EVENTS.filter((event) => event.publisher === 'product');

    // Act
    const secretFields = emitted.flatMap((event) =>
      [...schemaFields(eventJsonSchema(event) as JsonSchemaObject, true).keys()]
        .filter((path) => path.startsWith('detail.'))
        .filter((path) => /code|hash|cipher|email|name|locale|phone/i.test(path))
        .map((path) => `${event.detailType}: ${path}`),
    );

    // Assess
    expect(emitted.length).toBeGreaterThan(0);
    expect(secretFields).toEqual([]);
  });
});
