import { isDisplayableName } from '../display-name.ts';
import { formatLastValidMinute, formatLocalDateTime, type LocalDateTime } from './datetime.ts';
import { type EmailLanguage, formattingLocale, languageFor } from './language.ts';
import { type EmailBlock, type EmailContent, type RenderedEmail, renderEmail } from './layout.ts';

export type { EmailLanguage } from './language.ts';
export { languageFor } from './language.ts';
export type { RenderedEmail } from './layout.ts';

/** Input for the delivery code emails (first code and reissued code). */
export interface OtpEmailInput {
  /** Recipient locale; `de*` gives German, anything else English. */
  readonly locale: string;
  /** Recipient name; empty, or one that may not be shown (see `isDisplayableName`), gives a neutral greeting. */
  readonly recipientName: string;
  readonly orderId: string;
  readonly parcelId: string;
  /** The one-time delivery code. */
  readonly code: string;
  /** First instant of the day after the delivery day (exclusive end of validity). */
  readonly validUntil: Date;
  /** Recipient's IANA time zone, e.g. `Europe/Berlin`. */
  readonly timeZone: string;
}

/** Input for the receipt sent after the driver verified the code. */
export interface HandoverReceiptInput {
  /** Recipient locale; `de*` gives German, anything else English. */
  readonly locale: string;
  /** Recipient name; empty, or one that may not be shown (see `isDisplayableName`), gives a neutral greeting. */
  readonly recipientName: string;
  readonly orderId: string;
  readonly parcelId: string;
  /** When the parcel was handed over. */
  readonly handedOverAt: Date;
  /** Recipient's IANA time zone, e.g. `Europe/Berlin`. */
  readonly timeZone: string;
}

type OtpVariant = 'initial' | 'reissued';

interface OtpCopy {
  readonly subject: (orderId: string) => string;
  readonly intro: (parcelId: string, orderId: string) => string;
  readonly validity: (until: LocalDateTime) => string;
}

interface Copy {
  readonly greeting: (name: string) => string;
  readonly signOff: readonly string[];
  readonly otp: Readonly<Record<OtpVariant, OtpCopy>>;
  readonly reissueNotice: string;
  readonly doorOnly: string;
  readonly neverByPhone: string;
  readonly household: string;
  readonly receipt: {
    readonly subject: (orderId: string) => string;
    readonly handedOver: (parcelId: string, orderId: string, at: LocalDateTime) => string;
    readonly notYou: string;
  };
}

const COPY: Readonly<Record<EmailLanguage, Copy>> = {
  en: {
    greeting: (name) => (name ? `Hello ${name},` : 'Hello,'),
    signOff: ['Kind regards,', 'Your Secure Delivery team'],
    otp: {
      initial: {
        subject: (orderId) => `Your delivery code for order ${orderId}`,
        intro: (parcelId, orderId) =>
          `Your parcel ${parcelId} from order ${orderId} is protected by Secure Delivery. Your delivery code is:`,
        validity: (until) =>
          `The code is valid until the end of the delivery day: ${until.date}, ${until.time}.`,
      },
      reissued: {
        subject: (orderId) => `Your new delivery code for order ${orderId}`,
        intro: (parcelId, orderId) =>
          `Your new delivery code for parcel ${parcelId} from order ${orderId} is:`,
        validity: (until) =>
          `The new code is valid until the end of the new delivery day: ${until.date}, ${until.time}.`,
      },
    },
    reissueNotice:
      'We could not hand over your parcel on the last delivery attempt, so we have issued a new delivery code. Your previous code no longer works.',
    doorOnly: 'Tell the code only to the driver at your door when they hand over your parcel.',
    neverByPhone:
      'Never give the code out on the phone: no one from us or the carrier will ever ask you for it by phone, email or message.',
    household: 'A member of your household can also receive the parcel with this code.',
    receipt: {
      subject: (orderId) => `Your parcel for order ${orderId} has been handed over`,
      handedOver: (parcelId, orderId, at) =>
        `Parcel ${parcelId} of order ${orderId} was handed over on ${at.date} at ${at.time} after the driver verified your delivery code.`,
      notYou:
        'If this was not you, contact our customer service right away and do not share any codes. The parcel is now marked as handed over.',
    },
  },
  de: {
    greeting: (name) => (name ? `Guten Tag ${name},` : 'Guten Tag,'),
    signOff: ['Mit freundlichen Grüßen', 'Ihr Secure-Delivery-Team'],
    otp: {
      initial: {
        subject: (orderId) => `Ihr Zustellcode für Bestellung ${orderId}`,
        intro: (parcelId, orderId) =>
          `Ihr Paket ${parcelId} aus der Bestellung ${orderId} ist durch Secure Delivery geschützt. Ihr Zustellcode lautet:`,
        validity: (until) =>
          `Der Code ist bis zum Ende des Zustelltags gültig: ${until.date}, ${until.time} Uhr.`,
      },
      reissued: {
        subject: (orderId) => `Ihr neuer Zustellcode für Bestellung ${orderId}`,
        intro: (parcelId, orderId) =>
          `Ihr neuer Zustellcode für das Paket ${parcelId} aus der Bestellung ${orderId} lautet:`,
        validity: (until) =>
          `Der neue Code ist bis zum Ende des neuen Zustelltags gültig: ${until.date}, ${until.time} Uhr.`,
      },
    },
    reissueNotice:
      'Beim letzten Zustellversuch konnten wir Ihnen Ihr Paket nicht übergeben, deshalb erhalten Sie einen neuen Zustellcode. Ihr bisheriger Code funktioniert nicht mehr.',
    doorOnly:
      'Nennen Sie den Code nur der Zustellerin oder dem Zusteller an Ihrer Tür, wenn Ihnen das Paket übergeben wird.',
    neverByPhone:
      'Geben Sie den Code niemals am Telefon weiter: Niemand von uns oder vom Paketdienst wird Sie jemals per Telefon, E-Mail oder Nachricht danach fragen.',
    household: 'Auch ein Mitglied Ihres Haushalts kann das Paket mit diesem Code entgegennehmen.',
    receipt: {
      subject: (orderId) => `Ihr Paket zur Bestellung ${orderId} wurde übergeben`,
      handedOver: (parcelId, orderId, at) =>
        `Das Paket ${parcelId} aus der Bestellung ${orderId} wurde am ${at.date} um ${at.time} Uhr übergeben, nachdem die Zustellerin oder der Zusteller Ihren Zustellcode geprüft hat.`,
      notYou:
        'Falls Sie das nicht waren, wenden Sie sich bitte sofort an unseren Kundenservice und geben Sie keine Codes weiter. Das Paket ist jetzt als übergeben markiert.',
    },
  },
};

/**
 * The name for the greeting, or '' (a neutral greeting) when it may not be shown: a record stored before
 * the event schema refused such names must not put hidden characters or a link on our letterhead either.
 */
function displayedName(recipientName: string): string {
  // Checked before trimming: trim() would drop a trailing U+2028 or U+FEFF and hide what the name carried.
  return isDisplayableName(recipientName) ? recipientName.trim() : '';
}

function paragraph(text: string): EmailBlock {
  return { kind: 'paragraph', text };
}

function otpContent(input: OtpEmailInput, variant: OtpVariant): EmailContent {
  const language = languageFor(input.locale);
  const copy = COPY[language];
  const otp = copy.otp[variant];
  const until = formatLastValidMinute(
    input.validUntil,
    formattingLocale(input.locale, language),
    input.timeZone,
  );
  const notice = variant === 'reissued' ? [paragraph(copy.reissueNotice)] : [];
  return {
    language,
    // The code stays out of the subject: subjects show up in lock-screen previews and mail logs.
    subject: otp.subject(input.orderId),
    greeting: copy.greeting(displayedName(input.recipientName)),
    blocks: [
      ...notice,
      paragraph(otp.intro(input.parcelId, input.orderId)),
      { kind: 'code', code: input.code },
      paragraph(otp.validity(until)),
      paragraph(copy.doorOnly),
      paragraph(copy.neverByPhone),
      paragraph(copy.household),
    ],
    signOff: copy.signOff,
  };
}

/**
 * Renders the email that gives the recipient their one-time delivery code.
 *
 * @param input - Recipient, order, code and validity; see {@link OtpEmailInput}.
 * @returns Subject (never containing the code), plain-text body and HTML body.
 * @throws RangeError if `validUntil` is an invalid Date or `timeZone` is unknown.
 */
export function renderOtpEmail(input: OtpEmailInput): RenderedEmail {
  return renderEmail(otpContent(input, 'initial'));
}

/**
 * Renders the email with a new delivery code after a failed delivery attempt.
 *
 * Same content as {@link renderOtpEmail}, plus a notice that the previous code no longer works.
 *
 * @param input - Recipient, order, new code and its validity for the new delivery day.
 * @returns Subject (never containing the code), plain-text body and HTML body.
 * @throws RangeError if `validUntil` is an invalid Date or `timeZone` is unknown.
 */
export function renderOtpReissuedEmail(input: OtpEmailInput): RenderedEmail {
  return renderEmail(otpContent(input, 'reissued'));
}

/**
 * Renders the receipt sent after the driver verified the code and handed over the parcel.
 *
 * @param input - Recipient, order, parcel and handover time; see {@link HandoverReceiptInput}.
 * @returns Subject, plain-text body and HTML body.
 * @throws RangeError if `handedOverAt` is an invalid Date or `timeZone` is unknown.
 */
export function renderHandoverReceipt(input: HandoverReceiptInput): RenderedEmail {
  const language = languageFor(input.locale);
  const copy = COPY[language];
  const at = formatLocalDateTime(
    input.handedOverAt,
    formattingLocale(input.locale, language),
    input.timeZone,
  );
  return renderEmail({
    language,
    subject: copy.receipt.subject(input.orderId),
    greeting: copy.greeting(displayedName(input.recipientName)),
    blocks: [
      paragraph(copy.receipt.handedOver(input.parcelId, input.orderId, at)),
      paragraph(copy.receipt.notYou),
    ],
    signOff: copy.signOff,
  });
}

/** The code SMS's copy: the email's guidance, short enough for two message parts (SMS is billed per part). */
const SMS_COPY: Readonly<
  Record<EmailLanguage, (parcelId: string, code: string, until: LocalDateTime) => string>
> = {
  de: (parcelId, code, until) =>
    `Secure Delivery: Ihr Zustellcode für Paket ${parcelId} ist ${code} (gültig bis ${until.date}, ${until.time} Uhr). Nennen Sie ihn nur an der Tür; wer das Paket annimmt, darf ihn nutzen. Niemals am Telefon weitergeben, auch nicht dem Zusteller.`,
  en: (parcelId, code, until) =>
    `Secure Delivery: your delivery code for parcel ${parcelId} is ${code} (valid until ${until.date}, ${until.time}). Say it only at the door; whoever accepts the parcel may use it. Never give it out on the phone, not even to the driver.`,
};

/**
 * Renders the text message carrying the delivery code (the email's second channel): the code, its
 * validity and the email's guidance (whoever accepts the parcel may use it, only at the door, never by
 * phone, not even to the driver), without the greeting: nobody's name goes into an SMS.
 */
export function renderOtpSms(input: Omit<OtpEmailInput, 'recipientName'>): string {
  const language = languageFor(input.locale);
  const until = formatLastValidMinute(
    input.validUntil,
    formattingLocale(input.locale, language),
    input.timeZone,
  );
  return SMS_COPY[language](input.parcelId, input.code, until);
}

/** The receipt SMS's copy: the email's message, short enough for two message parts (SMS is billed per part). */
const RECEIPT_SMS_COPY: Readonly<
  Record<EmailLanguage, (parcelId: string, orderId: string, at: LocalDateTime) => string>
> = {
  de: (parcelId, orderId, at) =>
    `Secure Delivery: Paket ${parcelId} (Bestellung ${orderId}) wurde am ${at.date} um ${at.time} Uhr nach Prüfung Ihres Zustellcodes übergeben. Waren Sie das nicht? Wenden Sie sich sofort an unseren Kundenservice und geben Sie keine Codes weiter.`,
  en: (parcelId, orderId, at) =>
    `Secure Delivery: parcel ${parcelId} (order ${orderId}) was handed over on ${at.date} at ${at.time} after your delivery code was checked. Not you? Contact our customer service right away and do not share any codes.`,
};

/**
 * Renders the handover receipt as a text message (for a recipient whose code email bounced): the email's
 * message in short, without the greeting (nobody's name goes into an SMS).
 */
export function renderHandoverReceiptSms(input: Omit<HandoverReceiptInput, 'recipientName'>): string {
  const language = languageFor(input.locale);
  const at = formatLocalDateTime(
    input.handedOverAt,
    formattingLocale(input.locale, language),
    input.timeZone,
  );
  return RECEIPT_SMS_COPY[language](input.parcelId, input.orderId, at);
}
