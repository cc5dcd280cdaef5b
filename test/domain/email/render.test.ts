import { describe, expect, it } from 'vitest';
import {
  type HandoverReceiptInput,
  languageFor,
  type OtpEmailInput,
  type RenderedEmail,
  renderHandoverReceipt,
  renderOtpEmail,
  renderOtpReissuedEmail,
} from '../../../lambdas/domain/email/render.ts';

const CODE = '482913';
// Local midnight in Berlin starting 2 December 2026, i.e. the end of 1 December.
const BERLIN_END_OF_1_DEC = new Date('2026-12-01T23:00:00Z');
// Local midnight in New York starting 2 December 2026 (EST, UTC-5).
const NEW_YORK_END_OF_1_DEC = new Date('2026-12-02T05:00:00Z');

function otpInput(overrides: Partial<OtpEmailInput> = {}): OtpEmailInput {
  return {
    locale: 'en-GB',
    recipientName: 'Erika Mustermann',
    orderId: '123-456',
    parcelId: 'PCL-789',
    code: CODE,
    validUntil: BERLIN_END_OF_1_DEC,
    timeZone: 'Europe/Berlin',
    ...overrides,
  };
}

function receiptInput(overrides: Partial<HandoverReceiptInput> = {}): HandoverReceiptInput {
  return {
    locale: 'en-GB',
    recipientName: 'Erika Mustermann',
    orderId: '123-456',
    parcelId: 'PCL-789',
    handedOverAt: new Date('2026-12-01T13:05:00Z'),
    timeZone: 'Europe/Berlin',
    ...overrides,
  };
}

interface LocaleCase {
  readonly locale: string;
  readonly lang: 'de' | 'en';
  readonly otpSubject: string;
  readonly reissuedSubject: string;
  readonly receiptSubject: string;
  readonly endOfDayBerlin: string;
  readonly endOfDayNewYork: string;
  readonly doorOnly: string;
  readonly neverByPhone: string;
  readonly household: string;
  readonly previousCodeVoid: string;
  readonly neutralGreeting: string;
  readonly handedOverBerlin: string;
  readonly notYou: string;
}

const LOCALES: readonly LocaleCase[] = [
  {
    locale: 'de-DE',
    lang: 'de',
    otpSubject: 'Ihr Zustellcode für Bestellung 123-456',
    reissuedSubject: 'Ihr neuer Zustellcode für Bestellung 123-456',
    receiptSubject: 'Ihr Paket zur Bestellung 123-456 wurde übergeben',
    endOfDayBerlin: 'Dienstag, 1. Dezember 2026, 23:59 Uhr',
    endOfDayNewYork: 'Dienstag, 1. Dezember 2026, 23:59 Uhr',
    doorOnly: 'Nennen Sie den Code nur der Zustellerin oder dem Zusteller an Ihrer Tür',
    neverByPhone: 'Geben Sie den Code niemals am Telefon weiter',
    household: 'Auch ein Mitglied Ihres Haushalts kann das Paket mit diesem Code entgegennehmen.',
    previousCodeVoid: 'Ihr bisheriger Code funktioniert nicht mehr.',
    neutralGreeting: 'Guten Tag,',
    handedOverBerlin: 'wurde am Dienstag, 1. Dezember 2026 um 14:05 Uhr übergeben',
    notYou: 'wenden Sie sich bitte sofort an unseren Kundenservice und geben Sie keine Codes weiter',
  },
  {
    locale: 'en-GB',
    lang: 'en',
    otpSubject: 'Your delivery code for order 123-456',
    reissuedSubject: 'Your new delivery code for order 123-456',
    receiptSubject: 'Your parcel for order 123-456 has been handed over',
    endOfDayBerlin: 'Tuesday, 1 December 2026, 23:59',
    endOfDayNewYork: 'Tuesday, 1 December 2026, 23:59',
    doorOnly: 'Tell the code only to the driver at your door',
    neverByPhone: 'Never give the code out on the phone',
    household: 'A member of your household can also receive the parcel with this code.',
    previousCodeVoid: 'Your previous code no longer works.',
    neutralGreeting: 'Hello,',
    handedOverBerlin: 'was handed over on Tuesday, 1 December 2026 at 14:05',
    notYou: 'contact our customer service right away and do not share any codes',
  },
];

const OTP_TEMPLATES = [
  { name: 'delivery code email', render: renderOtpEmail, subjectOf: (c: LocaleCase) => c.otpSubject },
  {
    name: 'reissued delivery code email',
    render: renderOtpReissuedEmail,
    subjectOf: (c: LocaleCase) => c.reissuedSubject,
  },
] as const;

function bodies(email: RenderedEmail): readonly string[] {
  return [email.text, email.html];
}

describe.each(OTP_TEMPLATES)('$name', ({ render, subjectOf }) => {
  describe.each(LOCALES)('for locale $locale', (c) => {
    it('never puts the code in the subject', () => {
      // Prepare
      const input = otpInput({ locale: c.locale });

      // Act
      const email = render(input);

      // Assess
      expect(email.subject).not.toContain(CODE);
      expect(email.subject).toBe(subjectOf(c));
    });

    it('contains the code, order id and parcel id in text and html', () => {
      // Prepare
      const input = otpInput({ locale: c.locale });

      // Act
      const email = render(input);

      // Assess
      for (const body of bodies(email)) {
        expect(body).toContain(CODE);
        expect(body).toContain('123-456');
        expect(body).toContain('PCL-789');
      }
    });

    it('shows the last minute of the delivery day in the recipient language', () => {
      // Prepare
      const input = otpInput({ locale: c.locale });

      // Act
      const email = render(input);

      // Assess
      for (const body of bodies(email)) {
        expect(body).toContain(c.endOfDayBerlin);
      }
    });

    it('tells the recipient to give the code only to the driver at the door and never on the phone', () => {
      // Prepare
      const input = otpInput({ locale: c.locale });

      // Act
      const email = render(input);

      // Assess
      for (const body of bodies(email)) {
        expect(body).toContain(c.doorOnly);
        expect(body).toContain(c.neverByPhone);
      }
    });

    it('says a household member may receive the parcel with the code', () => {
      // Prepare
      const input = otpInput({ locale: c.locale });

      // Act
      const email = render(input);

      // Assess
      for (const body of bodies(email)) {
        expect(body).toContain(c.household);
      }
    });

    it('declares the document language in the html element', () => {
      // Prepare
      const input = otpInput({ locale: c.locale });

      // Act
      const email = render(input);

      // Assess
      expect(email.html).toMatch(/^<!DOCTYPE html>\n<html lang="(de|en)">/);
      expect(email.html).toContain(`<html lang="${c.lang}">`);
    });

    it('puts the code in a monospace block in the html', () => {
      // Prepare
      const input = otpInput({ locale: c.locale });

      // Act
      const email = render(input);

      // Assess
      expect(email.html).toMatch(new RegExp(`<div style="[^"]*monospace[^"]*">${CODE}</div>`));
    });

    it('escapes a malicious recipient name in the html but keeps it readable in the text', () => {
      // Prepare
      const input = otpInput({ locale: c.locale, recipientName: '<script>alert(1)</script>' });

      // Act
      const email = render(input);

      // Assess
      expect(email.html).not.toContain('<script>');
      expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(email.text).toContain('<script>alert(1)</script>');
    });

    it('escapes the order id and parcel id in the html', () => {
      // Prepare
      const input = otpInput({ locale: c.locale, orderId: '1<b>2', parcelId: 'P"&\'' });

      // Act
      const email = render(input);

      // Assess
      expect(email.html).not.toContain('<b>');
      expect(email.html).toContain('1&lt;b&gt;2');
      expect(email.html).toContain('P&quot;&amp;&#39;');
    });

    it('falls back to a neutral greeting when the name is empty', () => {
      // Prepare
      const input = otpInput({ locale: c.locale, recipientName: '  ' });

      // Act
      const email = render(input);

      // Assess
      expect(email.text.startsWith(`${c.neutralGreeting}\n`)).toBe(true);
      expect(email.html).toContain(`>${c.neutralGreeting}</p>`);
    });

    it('shows the local delivery day for a recipient in New York', () => {
      // Prepare
      const input = otpInput({
        locale: c.locale,
        validUntil: NEW_YORK_END_OF_1_DEC,
        timeZone: 'America/New_York',
      });

      // Act
      const email = render(input);

      // Assess
      for (const body of bodies(email)) {
        expect(body).toContain(c.endOfDayNewYork);
      }
    });
  });
});

describe('renderOtpReissuedEmail', () => {
  it.each(LOCALES)('says the previous code no longer works ($locale)', (c) => {
    // Prepare
    const input = otpInput({ locale: c.locale });

    // Act
    const email = renderOtpReissuedEmail(input);

    // Assess
    for (const body of bodies(email)) {
      expect(body).toContain(c.previousCodeVoid);
    }
  });

  it('says the new code is valid until the end of the new delivery day', () => {
    // Prepare
    const input = otpInput({ locale: 'en-GB' });

    // Act
    const email = renderOtpReissuedEmail(input);

    // Assess
    expect(email.text).toContain(
      'The new code is valid until the end of the new delivery day: Tuesday, 1 December 2026, 23:59.',
    );
  });

  it('does not mention a previous code in the first delivery code email', () => {
    // Prepare
    const input = otpInput({ locale: 'en-GB' });

    // Act
    const email = renderOtpEmail(input);

    // Assess
    expect(email.text).not.toContain('previous code');
  });
});

describe('end-of-day display across time zones', () => {
  it('shows 1 December for Berlin midnight starting 2 December', () => {
    // Prepare
    const input = otpInput({ locale: 'en-GB', validUntil: BERLIN_END_OF_1_DEC, timeZone: 'Europe/Berlin' });

    // Act
    const email = renderOtpEmail(input);

    // Assess
    expect(email.text).toContain('Tuesday, 1 December 2026, 23:59');
  });

  it('shows 1. Dezember for Berlin midnight starting 2 December in German', () => {
    // Prepare
    const input = otpInput({ locale: 'de-DE', validUntil: BERLIN_END_OF_1_DEC, timeZone: 'Europe/Berlin' });

    // Act
    const email = renderOtpEmail(input);

    // Assess
    expect(email.text).toContain('Dienstag, 1. Dezember 2026, 23:59 Uhr');
  });

  it('shows a different local day when the New York midnight is displayed in Berlin', () => {
    // Prepare
    const input = otpInput({ locale: 'en-GB', validUntil: NEW_YORK_END_OF_1_DEC, timeZone: 'Europe/Berlin' });

    // Act
    const email = renderOtpEmail(input);

    // Assess
    expect(email.text).toContain('Wednesday, 2 December 2026, 05:59');
  });

  it('shows the Berlin midnight as an afternoon of 1 December in New York', () => {
    // Prepare
    const input = otpInput({
      locale: 'en-GB',
      validUntil: BERLIN_END_OF_1_DEC,
      timeZone: 'America/New_York',
    });

    // Act
    const email = renderOtpEmail(input);

    // Assess
    expect(email.text).toContain('Tuesday, 1 December 2026, 17:59');
  });

  it('shows 23:59 of the delivery day when the clocks go back that night', () => {
    // Prepare: 2026-10-25 ends daylight saving time in Berlin, so that day has 25 hours.
    const input = otpInput({
      locale: 'de-DE',
      validUntil: new Date('2026-10-25T23:00:00Z'),
      timeZone: 'Europe/Berlin',
    });

    // Act
    const email = renderOtpEmail(input);

    // Assess
    expect(email.text).toContain('Sonntag, 25. Oktober 2026, 23:59 Uhr');
  });
});

describe('renderHandoverReceipt', () => {
  describe.each(LOCALES)('for locale $locale', (c) => {
    it('names parcel, order and local handover time in text and html', () => {
      // Prepare
      const input = receiptInput({ locale: c.locale });

      // Act
      const email = renderHandoverReceipt(input);

      // Assess
      expect(email.subject).toBe(c.receiptSubject);
      for (const body of bodies(email)) {
        expect(body).toContain('PCL-789');
        expect(body).toContain('123-456');
        expect(body).toContain(c.handedOverBerlin);
      }
    });

    it('tells the recipient what to do if it was not them', () => {
      // Prepare
      const input = receiptInput({ locale: c.locale });

      // Act
      const email = renderHandoverReceipt(input);

      // Assess
      for (const body of bodies(email)) {
        expect(body).toContain(c.notYou);
      }
    });

    it('escapes a malicious recipient name in the html', () => {
      // Prepare
      const input = receiptInput({ locale: c.locale, recipientName: '<script>alert(1)</script>' });

      // Act
      const email = renderHandoverReceipt(input);

      // Assess
      expect(email.html).not.toContain('<script>');
      expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(email.html).toContain(`<html lang="${c.lang}">`);
    });
  });

  it('shows the handover time in the recipient time zone, even on a different local day than UTC', () => {
    // Prepare: 03:30 UTC on 2 December is 22:30 on 1 December in New York.
    const input = receiptInput({
      locale: 'en-GB',
      handedOverAt: new Date('2026-12-02T03:30:00Z'),
      timeZone: 'America/New_York',
    });

    // Act
    const email = renderHandoverReceipt(input);

    // Assess
    for (const body of bodies(email)) {
      expect(body).toContain('was handed over on Tuesday, 1 December 2026 at 22:30');
    }
  });

  it('shows the handover time in German for a German recipient in Vienna', () => {
    // Prepare
    const input = receiptInput({
      locale: 'de-AT',
      handedOverAt: new Date('2027-01-05T09:15:00Z'),
      timeZone: 'Europe/Vienna',
    });

    // Act
    const email = renderHandoverReceipt(input);

    // Assess
    expect(email.text).toContain('wurde am Dienstag, 5. Jänner 2027 um 10:15 Uhr übergeben');
  });
});

describe('languageFor', () => {
  it.each(['de', 'de-DE', 'de-AT', 'de-CH', 'DE-de', 'de_DE'])('chooses German for %s', (locale) => {
    // Prepare / Act
    const language = languageFor(locale);

    // Assess
    expect(language).toBe('de');
  });

  it.each(['en-GB', 'en-US', 'fr-FR', 'nl', 'dsb', '', 'not a locale'])(
    'chooses English for %j',
    (locale) => {
      // Prepare / Act
      const language = languageFor(locale);

      // Assess
      expect(language).toBe('en');
    },
  );

  it('formats dates in English for a locale of another language', () => {
    // Prepare
    const input = otpInput({ locale: 'fr-FR' });

    // Act
    const email = renderOtpEmail(input);

    // Assess
    expect(email.html).toContain('<html lang="en">');
    expect(email.text).toContain('Tuesday, 1 December 2026, 23:59');
  });
});

/** Names that must never reach a greeting: hidden or reordering characters, and text a client links. */
const UNSHOWABLE_NAMES = [
  'www.evil.com',
  'evil.com/x',
  'https://evil.example/login',
  'Alex, verify at evil.com now',
  'alex@evil.example',
  'Alex, call +49 30 1234567',
  'evil\u3002com',
  'Alex \u202Emoc.live\u202C',
  'Alex\u200B',
  'Alex\u2028Your account is locked',
  'Alex\u2029',
];

const ALL_TEMPLATES: readonly {
  name: string;
  render: (locale: string, recipientName: string) => RenderedEmail;
}[] = [
  {
    name: 'delivery code email',
    render: (locale, recipientName) => renderOtpEmail(otpInput({ locale, recipientName })),
  },
  {
    name: 'reissued delivery code email',
    render: (locale, recipientName) => renderOtpReissuedEmail(otpInput({ locale, recipientName })),
  },
  {
    name: 'handover receipt',
    render: (locale, recipientName) => renderHandoverReceipt(receiptInput({ locale, recipientName })),
  },
];

describe.each(ALL_TEMPLATES)('$name: the recipient name', ({ render }) => {
  describe.each(LOCALES)('$locale', (c) => {
    it.each(UNSHOWABLE_NAMES)('greets neutrally instead of printing %j, in the text and the html', (name) => {
      // Act
      const email = render(c.locale, name);

      // Assess
      expect(email.text.startsWith(`${c.neutralGreeting}\n`)).toBe(true);
      expect(email.html).toContain(`>${c.neutralGreeting}</p>`);
      for (const body of [email.text, email.html, email.subject]) {
        expect(body).not.toMatch(/evil|Alex|1234567|account is locked/);
        expect(body).not.toMatch(/[\u200B\u2028\u2029\u202C\u202E\u3002]/);
      }
    });

    it('prints a real name, dots and apostrophes included, in the text and the html', () => {
      // Act
      const email = render(c.locale, "J.R.R. O'Neil-Müller");

      // Assess
      expect(email.text.split('\n')[0]).toContain("J.R.R. O'Neil-Müller");
      expect(email.html).toContain('J.R.R. O&#39;Neil-Müller');
    });
  });
});
