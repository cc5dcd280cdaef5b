/** Language an email is written in: German or English. */
export type EmailLanguage = 'de' | 'en';

/** Locale used for dates when the recipient's locale is unusable or belongs to another language. */
const DEFAULT_FORMATTING_LOCALE: Readonly<Record<EmailLanguage, string>> = {
  de: 'de-DE',
  en: 'en-GB',
};

/**
 * Parses a locale leniently; returns `undefined` for anything Intl rejects.
 * POSIX-style underscores (`de_DE`) are accepted because upstream systems send them.
 */
function parseLocale(locale: string): Intl.Locale | undefined {
  try {
    return new Intl.Locale(locale.trim().replaceAll('_', '-'));
  } catch {
    return undefined;
  }
}

/**
 * Chooses the email language for a recipient locale.
 *
 * @param locale - A BCP 47 tag such as `de-AT` or `en-GB` (case-insensitive; `de_DE` is accepted too).
 * @returns `'de'` when the primary language is German, otherwise `'en'`, including for unparseable input.
 */
export function languageFor(locale: string): EmailLanguage {
  return parseLocale(locale)?.language === 'de' ? 'de' : 'en';
}

/**
 * Chooses the locale for formatting dates and times in an email of the given language.
 *
 * The recipient's own locale is kept when it matches the email language, so regional
 * conventions (e.g. "Jänner" in de-AT, 12-hour clock in en-US) survive. Otherwise a default
 * of that language is used, so a French recipient reading an English email does not get
 * French month names. Unicode extensions (e.g. `-u-ca-buddhist`, `-u-nu-arab`) are dropped
 * so dates always use the Gregorian calendar and Latin digits, like the code itself.
 *
 * @param locale - The recipient's locale as given.
 * @param language - The language the email is written in.
 * @returns A locale tag that `Intl.DateTimeFormat` accepts.
 */
export function formattingLocale(locale: string, language: EmailLanguage): string {
  const parsed = parseLocale(locale);
  return parsed?.language === language ? parsed.baseName : DEFAULT_FORMATTING_LOCALE[language];
}
