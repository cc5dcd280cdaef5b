/**
 * The test data every suite shares: a Parcel Shipped detail, an EventBridge envelope, a code record and a
 * recipient. Each builder takes overrides; tests name in their own file only the values they depend on.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import {
  type ParcelShippedDetail,
  ParcelShippedDetailExample,
} from '../../lambdas/domain/events/carrier-events.ts';
import { encryptOtpCode } from '../../lambdas/domain/otp-code.ts';
import type { OtpRecord, RecipientRecord } from '../../lambdas/domain/otp-record.ts';
import { codeMac } from '../domain/fake-code-hasher.ts';

/** The parcel, order, code, driver and recipient of the unit tests' fixtures: the contract's example's. */
export const PARCEL_ID = ParcelShippedDetailExample.parcelId;
export const ORDER_ID = ParcelShippedDetailExample.orderId;
export const ISSUE_ID = '0b6f2f5e-3c1a-4d8e-9f00-1234567890ab';
export const DRIVER_ID = 'driver-1';
/** The code the fixtures' records hold when a test needs a real one ({@link otpRecordHolding}). */
export const OTP_CODE = '482913';
export const RECIPIENT_EMAIL = ParcelShippedDetailExample.recipient.email;
export const RECIPIENT_NAME = ParcelShippedDetailExample.recipient.name;
/** The delivery day of the fixtures; its code expires at the end of it in Berlin. */
export const DELIVERY_DATE = ParcelShippedDetailExample.expectedDeliveryDate;
const epochSeconds = (iso: string) => Date.parse(iso) / 1000;
/** When {@link otpRecord} and its {@link recipientRecord} expire from the table: 30 days after the code. */
const RECORD_TTL = epochSeconds('2026-12-31T23:00:00Z');

/**
 * The event contract's example `Parcel Shipped` detail: a valid high-value (EUR 1299.00) HOME delivery by
 * our own fleet, for {@link PARCEL_ID} on {@link DELIVERY_DATE}.
 */
export function parcelShippedDetail(overrides: Partial<ParcelShippedDetail> = {}): ParcelShippedDetail {
  // A copy: a test that changes a nested field changes its own detail, not the contract's example.
  return { ...structuredClone(ParcelShippedDetailExample), ...overrides };
}

/** An EventBridge event of `detailType` from the carrier carrying `detail`; envelope fields may be overridden. */
export function eventBridgeEvent<Detail>(
  detailType: string,
  detail: Detail,
  envelope: Partial<Omit<EventBridgeEvent<string, Detail>, 'detail' | 'detail-type'>> = {},
): EventBridgeEvent<string, Detail> {
  return {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': detailType,
    source: 'carrier.dispatch',
    account: '123456789012',
    time: '2026-12-01T10:00:00Z',
    region: 'eu-central-1',
    resources: [],
    detail,
    ...envelope,
  };
}

/**
 * A stored code record: issued for {@link DELIVERY_DATE} (valid until its end in Berlin), bound to
 * {@link DRIVER_ID}; hash and ciphertext are placeholders ({@link otpRecordHolding} puts a real code in).
 */
export function otpRecord(overrides: Partial<OtpRecord> = {}): OtpRecord {
  return {
    parcelId: PARCEL_ID,
    orderId: ORDER_ID,
    issueId: ISSUE_ID,
    codeHash: '0'.repeat(64),
    codeCiphertext: 'AAAA',
    status: 'ISSUED',
    expiresAt: epochSeconds('2026-12-01T23:00:00Z'),
    ttl: RECORD_TTL,
    issuedAt: epochSeconds('2026-11-28T09:00:00Z'),
    deliveryDate: DELIVERY_DATE,
    wrongAttempts: 0,
    totalWrongAttempts: 0,
    driverId: DRIVER_ID,
    timeZone: 'Europe/Berlin',
    ...overrides,
  };
}

/**
 * {@link otpRecord} holding `code`: its hash under the tests' MAC key and its ciphertext under
 * `encryptionKey`, for the record's parcel and issue (a hash or ciphertext in `overrides` wins).
 */
export function otpRecordHolding(
  code: string,
  encryptionKey: Uint8Array,
  overrides: Partial<OtpRecord> = {},
): OtpRecord {
  const record = otpRecord(overrides);
  return {
    ...record,
    codeHash: codeMac(record.parcelId, code),
    codeCiphertext: encryptOtpCode(encryptionKey, record.parcelId, record.issueId, code),
    ...overrides,
  };
}

/** The recipient of {@link PARCEL_ID}, kept as long as {@link otpRecord}'s code. */
export function recipientRecord(overrides: Partial<RecipientRecord> = {}): RecipientRecord {
  return {
    parcelId: PARCEL_ID,
    email: RECIPIENT_EMAIL,
    name: RECIPIENT_NAME,
    locale: 'en-GB',
    ttl: RECORD_TTL,
    ...overrides,
  };
}

let parcelSerial = 0;
/** A parcel id no other test in this file used (for tests sharing one table). */
export const uniqueParcelId = (prefix = PARCEL_ID): string => `${prefix}-${++parcelSerial}`;
