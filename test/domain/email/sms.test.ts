import { describe, expect, it } from 'vitest';
import { smsParts } from '../../../bench/cost.ts';
import { renderOtpSms } from '../../../lambdas/domain/email/render.ts';

const input = {
  orderId: '302-1234567-7654321',
  parcelId: 'P-1001',
  code: '048213',
  validUntil: new Date('2026-12-01T23:00:00Z'),
  timeZone: 'Europe/Berlin',
};

describe('renderOtpSms', () => {
  it('texts German to de* locales: code, last valid minute, door-only, whoever accepts, never by phone', () => {
    // Prepare, Act
    const text = renderOtpSms({ ...input, locale: 'de-AT' });

    // Assess
    expect(text).toContain('Zustellcode für Paket P-1001 ist 048213');
    expect(text).toContain('23:59 Uhr');
    expect(text).toContain('nur an der Tür');
    expect(text).toContain('wer das Paket annimmt, darf ihn nutzen');
    expect(text).toContain('Niemals am Telefon weitergeben, auch nicht dem Zusteller');
  });

  it('texts English to every other locale, with the same guidance', () => {
    // Prepare, Act
    const text = renderOtpSms({ ...input, locale: 'fr-FR' });

    // Assess
    expect(text).toContain('your delivery code for parcel P-1001 is 048213');
    expect(text).toContain('whoever accepts the parcel may use it');
    expect(text).toContain('Never give it out on the phone, not even to the driver');
  });

  it('fits two GSM-7 message parts in both languages (SMS is billed per part)', () => {
    // Prepare, Act
    const parts = ['de-DE', 'en-GB'].map((locale) => smsParts(renderOtpSms({ ...input, locale })));

    // Assess
    expect(parts).toEqual([2, 2]);
  });
});
