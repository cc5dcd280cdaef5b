/** The answers the local sign-in servers send: JSON, and small self-contained HTML pages. */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { escapeHtml } from '../html.ts';
import type { SignInSubject } from './jwt-issuer.ts';

/** Sends `body` as JSON with `status` and any extra headers. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

// Border-box sizing: a full-width field with padding and border stays inside a 320 px phone.
const PAGE_STYLE =
  '*{box-sizing:border-box}' +
  'body{font:18px system-ui,sans-serif;max-width:30rem;margin:2rem auto;padding:0 1rem;color:#111;overflow-wrap:anywhere}' +
  'label{display:block;font-weight:700;margin:1rem 0 .3rem}input{width:100%;min-height:56px;font-size:1.2rem;padding:.5rem;border:2px solid #555;border-radius:8px}' +
  'button{width:100%;min-height:56px;margin-top:1rem;font-size:1.2rem;font-weight:700;color:#fff;background:#0b4f9c;border:0;border-radius:8px}';

/**
 * Sends a page with its own strict CSP (a nonce for the one style block, forms only to itself).
 * @param formTarget the origin the form's redirect lands on (CSP form-action covers redirects too).
 */
export function sendHtml(
  response: ServerResponse,
  status: number,
  title: string,
  content: string,
  formTarget = '',
): void {
  const nonce = randomBytes(16).toString('base64');
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': `default-src 'none'; style-src 'nonce-${nonce}'; form-action 'self' ${formTarget}; frame-ancestors 'none'`,
    'cache-control': 'no-store',
  });
  response.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style nonce="${nonce}">${PAGE_STYLE}</style></head><body><main><h1>${escapeHtml(title)}</h1>${content}</main></body></html>`,
  );
}

/**
 * The password-less sign-in page: the authorize request's parameters carried along as hidden fields (all but
 * `prompt`, which the page has answered), and one field naming the user by `subject`.
 */
export function sendSignInPage(
  response: ServerResponse,
  params: URLSearchParams,
  subject: SignInSubject,
  note: string,
): void {
  const { field, label, example } = subject;
  const hidden = [...params]
    .filter(([name]) => name !== 'prompt')
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  sendHtml(
    response,
    200,
    'Sandbox sign-in',
    `<p>${escapeHtml(note)}</p>
<form method="post">${hidden}
<label for="${escapeHtml(field)}">${escapeHtml(label)}</label>
<input id="${escapeHtml(field)}" name="${escapeHtml(field)}" value="${escapeHtml(example)}" autocomplete="username" required>
<button type="submit">Sign in</button></form>`,
    new URL(params.get('redirect_uri') ?? '').origin,
  );
}
