import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const lib = fileURLToPath(new URL('../../lib', import.meta.url));
const sources = readdirSync(lib)
  .filter((name) => name.endsWith('.ts'))
  .map((name) => ({ name, text: readFileSync(join(lib, name), 'utf8') }));

describe('EventBridge rule wiring (DEVELOPERS.md: rules live with their target)', () => {
  it('creates no rule in the stack itself', () => {
    // Prepare
    const stack = sources.find(({ name }) => name === 'secure-delivery-stack.ts')?.text ?? '';

    // Act
    const rules = stack.match(/new Rule\(|\.routeTo\w*\(/g) ?? [];

    // Assess
    expect(stack).not.toBe('');
    expect(rules).toEqual([]);
  });

  it('routes every bus rule to a target the calling construct owns (`this.…`)', () => {
    // Act
    const calls = sources.flatMap(({ name, text }) =>
      [
        ...text.matchAll(
          /\.routeTo(?:Function|StateMachine)\(\s*'([^']+)',\s*(?:\[[^\]]*\]|[^,[]+),\s*([\w.]+)/g,
        ),
      ].map((match) => ({ file: name, rule: match[1], target: match[2] })),
    );

    // Assess
    expect(calls.map(({ rule }) => rule).sort()).toEqual([
      'HandoverVerifiedRule',
      'LifecycleRule',
      'OutForDeliveryRule',
      'ParcelShippedRule',
    ]);
    expect(calls.filter(({ target }) => !target?.startsWith('this.'))).toEqual([]);
  });
});
