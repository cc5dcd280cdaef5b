/** Escapes text for HTML content and quoted attribute values (the sandbox's own pages). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
