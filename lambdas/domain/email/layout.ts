import { escapeHtml } from './escape.ts';
import type { EmailLanguage } from './language.ts';

/** A subject plus plain-text and HTML bodies, ready to hand to a mail sender. */
export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** One block of an email body. All text is plain and unescaped; the layouts escape it. */
export type EmailBlock =
  | { readonly kind: 'paragraph'; readonly text: string }
  | { readonly kind: 'code'; readonly code: string };

/** Template-specific content that the shared layouts turn into an email. */
export interface EmailContent {
  readonly language: EmailLanguage;
  readonly subject: string;
  readonly greeting: string;
  readonly blocks: readonly EmailBlock[];
  /** Closing lines, e.g. "Kind regards" and the sender. */
  readonly signOff: readonly string[];
}

const BODY_STYLE =
  'margin:0;padding:24px;background-color:#f4f4f5;font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#18181b;';
const CARD_STYLE = 'max-width:560px;margin:0 auto;padding:32px;background-color:#ffffff;border-radius:8px;';
const PARAGRAPH_STYLE = 'margin:0 0 16px 0;';
const CODE_STYLE =
  "margin:0 0 16px 0;padding:16px;background-color:#f4f4f5;border:1px solid #d4d4d8;border-radius:6px;font-family:'Courier New',Courier,monospace;font-size:32px;font-weight:bold;letter-spacing:8px;text-align:center;";

function htmlBlock(block: EmailBlock): string {
  switch (block.kind) {
    case 'paragraph':
      return `<p style="${PARAGRAPH_STYLE}">${escapeHtml(block.text)}</p>`;
    case 'code':
      return `<div style="${CODE_STYLE}">${escapeHtml(block.code)}</div>`;
  }
}

/**
 * Renders content as a complete, inline-styled HTML document.
 *
 * Inline styles only, because many mail clients strip `<style>` elements.
 *
 * @param content - The template content; every string in it is HTML-escaped here.
 * @returns An HTML document whose `lang` attribute matches the content language.
 */
export function renderHtmlLayout(content: EmailContent): string {
  const signOff = content.signOff.map(escapeHtml).join('<br>');
  return [
    '<!DOCTYPE html>',
    `<html lang="${content.language}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(content.subject)}</title>`,
    '</head>',
    `<body style="${BODY_STYLE}">`,
    `<div style="${CARD_STYLE}">`,
    `<p style="${PARAGRAPH_STYLE}">${escapeHtml(content.greeting)}</p>`,
    ...content.blocks.map(htmlBlock),
    `<p style="${PARAGRAPH_STYLE}">${signOff}</p>`,
    '</div>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function textBlock(block: EmailBlock): string {
  switch (block.kind) {
    case 'paragraph':
      return block.text;
    case 'code':
      return `    ${block.code}`;
  }
}

/**
 * Renders content as a plain-text body with the same information as the HTML body.
 *
 * @param content - The template content.
 * @returns Paragraphs separated by blank lines, the code indented on its own line.
 */
export function renderTextLayout(content: EmailContent): string {
  const sections = [content.greeting, ...content.blocks.map(textBlock), content.signOff.join('\n')];
  return `${sections.join('\n\n')}\n`;
}

/**
 * Renders content into subject, plain-text body and HTML body.
 *
 * @param content - The template content.
 * @returns The finished email; line breaks in the subject are replaced by spaces.
 */
export function renderEmail(content: EmailContent): RenderedEmail {
  // A line break in a subject would let an interpolated value start a new mail header.
  const subject = content.subject.replace(/[\r\n]+/g, ' ');
  return { subject, text: renderTextLayout(content), html: renderHtmlLayout(content) };
}
