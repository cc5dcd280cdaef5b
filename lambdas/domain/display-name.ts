// Kept free of zod: the event schema and the email renderer share these rules.

/**
 * Characters that hide, reorder or break the text around them: controls (Cc), format characters (Cf:
 * bidi overrides such as U+202E, zero-width spaces and joiners, soft hyphens), lone surrogates (Cs), and
 * line and paragraph separators (Zl U+2028, Zp U+2029).
 */
const HIDDEN_OR_BREAKING = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

/** `.` and what IDNA or an autolinker may read as one: ideographic, fullwidth, halfwidth, small full stop, one-dot leader. */
const DOT = '[.\\u3002\\uFF0E\\uFF61\\uFE52\\u2024]';

/**
 * What mail clients turn into a link, in text and HTML alike: a scheme (`https:`, `mailto:`, `tel:`), an
 * address (`@`), a UNC path (`\`), or a domain (a dot directly followed by two letters or digits:
 * `evil.com`, `www.evil`, `evil.com/x`).
 */
const LINK_LIKE = new RegExp(`[:@\\\\\\uFF1A\\uFF20\\uFF3C]|${DOT}[\\p{L}\\p{N}]{2}`, 'u');

/** More digits than a name needs: a phone number, which phones make tappable. */
const MAX_DIGITS_IN_NAME = 4;

/** True if the text holds a control, format, surrogate or line/paragraph separator character. */
export function hasHiddenOrBreakingCharacter(text: string): boolean {
  return HIDDEN_OR_BREAKING.test(text);
}

/** True if a mail client could show the text, or part of it, as a link (URL, domain, email, phone number). */
export function looksLikeLink(text: string): boolean {
  return LINK_LIKE.test(text) || (text.match(/\p{Nd}/gu)?.length ?? 0) > MAX_DIGITS_IN_NAME;
}

/** True if a recipient name may be printed in an email we send: nothing hidden, nothing a client links. */
export function isDisplayableName(name: string): boolean {
  return !hasHiddenOrBreakingCharacter(name) && !looksLikeLink(name);
}
