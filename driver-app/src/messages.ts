/** The app's words in English and German; the device's language picks one, English otherwise. */
import type { Screen } from './outcome.ts';

/** A language the app speaks. */
export type Language = 'en' | 'de';

/** The first of the device's languages the app speaks, else English. */
export function pickLanguage(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const primary = tag.toLowerCase().split('-')[0];
    if (primary === 'de' || primary === 'en') return primary;
  }
  return 'en';
}

/** A screen's words: a title, what happened and what to do now. */
export interface ScreenText {
  readonly title: string;
  readonly body: string;
  /** The tone decides colour and icon: done, try again, or stop. */
  readonly tone: 'success' | 'warning' | 'error';
}

interface Words {
  readonly appTitle: string;
  readonly signIn: string;
  readonly signInHint: string;
  readonly signOut: string;
  readonly signedInAs: (driver: string) => string;
  readonly parcelId: string;
  readonly scan: string;
  readonly scanUnavailable: string;
  readonly code: string;
  readonly codeHint: string;
  readonly handOver: string;
  readonly checking: string;
  readonly next: string;
  readonly retry: string;
  readonly retryIn: (seconds: number) => string;
  readonly offlineBanner: string;
  readonly screen: (screen: Screen, formatTime: (iso: string) => string) => ScreenText;
}

const en: Words = {
  appTitle: 'Secure handover',
  signIn: 'Sign in',
  signInHint: 'Sign in with your driver account to hand over secured parcels.',
  signOut: 'End shift and sign out',
  signedInAs: (driver) => `Signed in as ${driver}`,
  parcelId: 'Parcel ID',
  scan: 'Scan label',
  scanUnavailable: 'This device cannot scan: type the parcel ID.',
  code: 'Handover code from the recipient',
  codeHint: '6 digits',
  handOver: 'Hand over',
  checking: 'Checking the code…',
  next: 'Next parcel',
  retry: 'Try again',
  retryIn: (seconds) => `Try again in ${seconds} s`,
  offlineBanner: 'No connection. Checking a code needs the network.',
  screen: (screen, formatTime) => {
    switch (screen.kind) {
      case 'verified':
        return {
          tone: 'success',
          title: 'Handed over',
          body: `The code is right. Handover recorded at ${formatTime(screen.verifiedAt)}. Give the parcel to the recipient.`,
        };
      case 'wrongCode':
        return {
          tone: 'warning',
          title: 'Wrong code',
          body:
            screen.attemptsRemaining === null
              ? 'Ask the recipient to read the code again.'
              : `Ask the recipient to read the code again. ${screen.attemptsRemaining} ${screen.attemptsRemaining === 1 ? 'try' : 'tries'} left.`,
        };
      case 'locked':
        return {
          tone: 'error',
          title: 'Locked: do not hand over',
          body: 'Too many wrong codes. Keep the parcel and record a failed delivery attempt. Do not hand it over on the recipient’s word or phone number; the recipient gets a new delivery.',
        };
      case 'expired':
        return {
          tone: 'error',
          title: 'Code expired',
          body: 'This code is no longer valid. Keep the parcel and record a failed delivery attempt.',
        };
      case 'revoked':
        return {
          tone: 'error',
          title: 'Code replaced or cancelled',
          body: 'This code was replaced or cancelled. Ask the recipient for their newest code; if there is none, keep the parcel and record a failed delivery attempt.',
        };
      case 'notAssigned':
        return {
          tone: 'error',
          title: 'Not assigned to you',
          body: 'This parcel is not on your tour. Check the parcel ID; if it is right, call dispatch.',
        };
      case 'noCode':
        return {
          tone: 'error',
          title: 'No code for this parcel',
          body: 'There is no handover code for this parcel ID. Check the ID on the label.',
        };
      case 'alreadyVerified':
        return {
          tone: 'warning',
          title: 'Already handed over',
          body: 'This parcel’s handover is already recorded. Nothing more to do.',
        };
      case 'tryAgain':
        return {
          tone: 'warning',
          title: 'Busy: try again',
          body: 'The service is busy. Your code was not checked and cost no try.',
        };
      case 'offline':
        return {
          tone: 'warning',
          title: 'No connection',
          body: 'The code could not be checked: the phone has no connection. Move to better signal and try again. Do not hand over unchecked.',
        };
      case 'signInAgain':
        return {
          tone: 'error',
          title: 'Sign in again',
          body: 'Your sign-in has ended. Sign in again, then check the code.',
        };
      case 'invalidInput':
        return {
          tone: 'warning',
          title: screen.field === 'code' ? 'Enter 6 digits' : 'Check the parcel ID',
          body:
            screen.field === 'code'
              ? 'The handover code has exactly 6 digits.'
              : 'The parcel ID has letters, digits, dots, dashes or underscores.',
        };
      case 'unexpected':
        return {
          tone: 'error',
          title: 'Unexpected answer',
          body: `The service answered ${screen.status}. Do not hand over; call dispatch.`,
        };
    }
  },
};

const de: Words = {
  appTitle: 'Sichere Übergabe',
  signIn: 'Anmelden',
  signInHint: 'Melde dich mit deinem Fahrerkonto an, um gesicherte Pakete zu übergeben.',
  signOut: 'Schicht beenden und abmelden',
  signedInAs: (driver) => `Angemeldet als ${driver}`,
  parcelId: 'Paketnummer',
  scan: 'Etikett scannen',
  scanUnavailable: 'Dieses Gerät kann nicht scannen: Paketnummer eintippen.',
  code: 'Übergabecode des Empfängers',
  codeHint: '6 Ziffern',
  handOver: 'Übergeben',
  checking: 'Code wird geprüft…',
  next: 'Nächstes Paket',
  retry: 'Erneut versuchen',
  retryIn: (seconds) => `Erneut versuchen in ${seconds} s`,
  offlineBanner: 'Keine Verbindung. Die Codeprüfung braucht das Netz.',
  screen: (screen, formatTime) => {
    switch (screen.kind) {
      case 'verified':
        return {
          tone: 'success',
          title: 'Übergeben',
          body: `Der Code stimmt. Übergabe um ${formatTime(screen.verifiedAt)} erfasst. Paket an den Empfänger geben.`,
        };
      case 'wrongCode':
        return {
          tone: 'warning',
          title: 'Falscher Code',
          body:
            screen.attemptsRemaining === null
              ? 'Bitte den Empfänger, den Code noch einmal vorzulesen.'
              : `Bitte den Empfänger, den Code noch einmal vorzulesen. Noch ${screen.attemptsRemaining} ${screen.attemptsRemaining === 1 ? 'Versuch' : 'Versuche'}.`,
        };
      case 'locked':
        return {
          tone: 'error',
          title: 'Gesperrt: nicht übergeben',
          body: 'Zu viele falsche Codes. Paket behalten und einen erfolglosen Zustellversuch erfassen. Nicht auf Zuruf oder Telefonnummer des Empfängers übergeben; der Empfänger bekommt eine neue Zustellung.',
        };
      case 'expired':
        return {
          tone: 'error',
          title: 'Code abgelaufen',
          body: 'Dieser Code gilt nicht mehr. Paket behalten und einen erfolglosen Zustellversuch erfassen.',
        };
      case 'revoked':
        return {
          tone: 'error',
          title: 'Code ersetzt oder widerrufen',
          body: 'Dieser Code wurde ersetzt oder widerrufen. Nach dem neuesten Code fragen; gibt es keinen, Paket behalten und einen erfolglosen Zustellversuch erfassen.',
        };
      case 'notAssigned':
        return {
          tone: 'error',
          title: 'Nicht deine Tour',
          body: 'Dieses Paket ist nicht auf deiner Tour. Paketnummer prüfen; stimmt sie, die Disposition anrufen.',
        };
      case 'noCode':
        return {
          tone: 'error',
          title: 'Kein Code für dieses Paket',
          body: 'Für diese Paketnummer gibt es keinen Übergabecode. Nummer auf dem Etikett prüfen.',
        };
      case 'alreadyVerified':
        return {
          tone: 'warning',
          title: 'Bereits übergeben',
          body: 'Die Übergabe dieses Pakets ist schon erfasst. Nichts weiter zu tun.',
        };
      case 'tryAgain':
        return {
          tone: 'warning',
          title: 'Ausgelastet: erneut versuchen',
          body: 'Der Dienst ist ausgelastet. Der Code wurde nicht geprüft und hat keinen Versuch gekostet.',
        };
      case 'offline':
        return {
          tone: 'warning',
          title: 'Keine Verbindung',
          body: 'Der Code konnte nicht geprüft werden: Das Telefon hat keine Verbindung. Zu besserem Empfang gehen und erneut versuchen. Nicht ungeprüft übergeben.',
        };
      case 'signInAgain':
        return {
          tone: 'error',
          title: 'Erneut anmelden',
          body: 'Deine Anmeldung ist abgelaufen. Erneut anmelden, dann den Code prüfen.',
        };
      case 'invalidInput':
        return {
          tone: 'warning',
          title: screen.field === 'code' ? '6 Ziffern eingeben' : 'Paketnummer prüfen',
          body:
            screen.field === 'code'
              ? 'Der Übergabecode hat genau 6 Ziffern.'
              : 'Die Paketnummer besteht aus Buchstaben, Ziffern, Punkten, Binde- oder Unterstrichen.',
        };
      case 'unexpected':
        return {
          tone: 'error',
          title: 'Unerwartete Antwort',
          body: `Der Dienst antwortete ${screen.status}. Nicht übergeben; Disposition anrufen.`,
        };
    }
  },
};

/** The words of `language`. */
export function wordsFor(language: Language): Words {
  return language === 'de' ? de : en;
}

export type { Words };
