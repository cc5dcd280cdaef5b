const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes a string for safe use in HTML text content and in quoted attribute values.
 *
 * @param value - Untrusted text, e.g. a recipient name or an order id.
 * @returns The text with `&`, `<`, `>`, `"` and `'` replaced by character references.
 */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}
