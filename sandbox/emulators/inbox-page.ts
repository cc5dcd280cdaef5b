import { escapeHtml } from './html.ts';

/** An email as aws-ses-v2-local's store keeps it (`GET /store`). */
export interface StoredEmail {
  readonly messageId?: string;
  readonly from?: string;
  readonly destination?: { readonly to?: readonly string[] };
  readonly subject?: string;
  readonly body?: { readonly text?: string; readonly html?: string };
  /** Epoch seconds. */
  readonly at?: number;
}

/** An SMS as the SMS endpoint keeps it. */
export interface StoredText {
  readonly destinationPhoneNumber: string;
  readonly messageBody: string;
  readonly sentAt: string;
}

const STYLE = [
  '*{box-sizing:border-box}',
  'body{font:16px/1.45 system-ui,sans-serif;margin:0;padding:1rem;color:#111;background:#f4f5f7}',
  'h1{font-size:1.3rem;margin:0 0 .5rem}h2{font-size:1.1rem;margin:1rem 0 .5rem}',
  'main{max-width:72rem;margin:0 auto}',
  '.columns{display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(min(100%,22rem),1fr))}',
  'article{background:#fff;border:1px solid #d0d4da;border-radius:8px;padding:.75rem;margin:0 0 .75rem;overflow-wrap:anywhere}',
  'article h3{font-size:1rem;margin:0 0 .25rem}',
  '.meta{color:#555;font-size:.85rem;margin:0 0 .5rem}',
  'pre{white-space:pre-wrap;overflow-wrap:anywhere;font:15px/1.45 ui-monospace,monospace;margin:0}',
  'iframe{width:100%;min-height:24rem;border:1px solid #d0d4da;background:#fff}',
  'a{color:#0b4f9c}',
].join('');

/** Text of an HTML body, for an email that has no text part. */
const textOfHtml = (html: string) =>
  html
    .replace(/<(style|script)[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>|<\/p>|<\/div>|<\/tr>|<\/h\d>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/\n{3,}/g, '\n\n')
    .trim();

function emailCard(email: StoredEmail): string {
  const sent = email.at ? new Date(email.at * 1000).toISOString() : '';
  const text = email.body?.text ?? textOfHtml(email.body?.html ?? '');
  const html = email.body?.html
    ? `<details><summary>HTML version</summary><iframe sandbox="" title="HTML version" srcdoc="${escapeHtml(email.body.html)}"></iframe></details>`
    : '';
  return `<article><h3>${escapeHtml(email.subject ?? '(no subject)')}</h3><p class="meta">to ${escapeHtml((email.destination?.to ?? []).join(', '))} · from ${escapeHtml(email.from ?? '')} · ${escapeHtml(sent)}</p><pre>${escapeHtml(text)}</pre>${html}</article>`;
}

function textCard(text: StoredText): string {
  return `<article><h3>${escapeHtml(text.destinationPhoneNumber)}</h3><p class="meta">${escapeHtml(text.sentAt)}</p><pre>${escapeHtml(text.messageBody)}</pre></article>`;
}

/**
 * The sandbox's inbox: every email SES accepted and every SMS sent, newest first, each body as plain
 * text (an email's HTML version behind a toggle, in a sandboxed frame), readable on a phone.
 */
export function inboxPage(messages: {
  readonly emails: readonly StoredEmail[];
  readonly texts: readonly StoredText[];
  /** Links to the same messages as JSON. */
  readonly links: { readonly emails: string; readonly texts: string };
}): string {
  const emails = [...messages.emails].reverse().map(emailCard).join('') || '<p>No email yet.</p>';
  const texts = [...messages.texts].reverse().map(textCard).join('') || '<p>No SMS yet.</p>';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Sandbox inbox</title><style>${STYLE}</style></head><body><main><h1>Sandbox inbox</h1><p class="meta">Newest first · <a href="">Refresh</a> · JSON: <a href="${escapeHtml(messages.links.emails)}">emails</a>, <a href="${escapeHtml(messages.links.texts)}">SMS</a></p><div class="columns"><section><h2>Email (${messages.emails.length})</h2>${emails}</section><section><h2>SMS (${messages.texts.length})</h2>${texts}</section></div></main></body></html>`;
}
