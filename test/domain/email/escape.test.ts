import { describe, expect, it } from 'vitest';
import { escapeHtml } from '../../../lambdas/domain/email/escape.ts';

describe('escapeHtml', () => {
  it('replaces all HTML-significant characters', () => {
    // Prepare
    const input = `<a href="x" title='y'>Tom & Jerry</a>`;

    // Act
    const escaped = escapeHtml(input);

    // Assess
    expect(escaped).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;Tom &amp; Jerry&lt;/a&gt;');
  });

  it('leaves other text, including umlauts, unchanged', () => {
    // Prepare
    const input = 'Jürgen Müller-Straße 12';

    // Act
    const escaped = escapeHtml(input);

    // Assess
    expect(escaped).toBe(input);
  });
});
