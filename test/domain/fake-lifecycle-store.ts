import type {
  ConditionalResult,
  EmailClaim,
  LifecycleOrder,
  LifecycleStore,
  OtpRecord,
  ReissueFields,
} from '../../lambdas/domain/otp-record.ts';
import { FakeOtpStore, type Mutable, type StoreOperation } from './fake-otp-store.ts';

/**
 * In-memory {@link LifecycleStore} with the conditions of `DynamoDbOtpStore`'s lifecycle, resend and
 * receipt writes, each checked and applied with no `await` in between (atomic, as a conditional write).
 * Placeholders (events that arrive before the code) are not modelled: a closure of a parcel with no
 * record succeeds and stores nothing.
 *
 * {@link interleave} runs a hook right after a given operation's write, before its caller sees the
 * answer: a deterministic stand-in for "another request lands exactly here".
 */
export class FakeLifecycleStore extends FakeOtpStore implements LifecycleStore {
  private readonly hooks = new Map<StoreOperation, () => Promise<void>>();

  /** Runs `hook` once, right after the next `operation` has written (or refused), before it returns. */
  interleave(operation: StoreOperation, hook: () => Promise<void>): void {
    this.hooks.set(operation, hook);
  }

  async reissue(
    parcelId: string,
    expectedIssueId: string,
    fields: ReissueFields,
    maxWrongPerParcel: number,
    order: LifecycleOrder & { readonly nowSeconds: number; readonly keepBindingAt?: number },
  ): Promise<ConditionalResult> {
    this.calls.push('reissue');
    const item = this.items.get(parcelId);
    const keep = order.keepBindingAt !== undefined;
    const allowed =
      item !== undefined &&
      item.issueId === expectedIssueId &&
      item.status !== 'VERIFIED' &&
      item.closedAt === undefined &&
      item.totalWrongAttempts < maxWrongPerParcel &&
      newerThanLastLifecycle(item, order) &&
      noResendInFlight(item, order.nowSeconds) &&
      (keep
        ? item.boundAt === order.keepBindingAt
        : item.boundAt === undefined || item.boundAt <= order.eventAt);
    if (!allowed) return this.answer('reissue', { ok: false, current: item && { ...item } });
    const updated: Mutable<OtpRecord> = {
      ...item,
      ...fields,
      previousCodeHash: item.codeHash,
      status: 'ISSUED',
      wrongAttempts: 0,
      resendCount: 0,
      issueCount: (item.issueCount ?? 1) + 1,
      lastLifecycleAt: order.eventAt,
      lastLifecycleEvent: order.eventKey,
    };
    if (!keep) {
      updated.boundAt = order.eventAt;
      delete updated.driverId;
    }
    delete updated.emailStatus;
    delete updated.emailClaimedAt;
    delete updated.revokedAt;
    delete updated.resendLeaseUntil;
    delete updated.smsLeaseUntil;
    this.items.set(parcelId, updated);
    return this.answer('reissue', { ok: true, record: { ...updated } });
  }

  async revoke(
    parcelId: string,
    nowSeconds: number,
    close: boolean,
    order?: LifecycleOrder,
  ): Promise<ConditionalResult> {
    this.calls.push('revoke');
    const item = this.items.get(parcelId);
    if (!item) {
      const placeholder = { parcelId, closedAt: nowSeconds } as unknown as OtpRecord;
      return this.answer(
        'revoke',
        close ? { ok: true, record: placeholder } : { ok: false, current: undefined },
      );
    }
    const allowed =
      item.status !== 'VERIFIED' &&
      noResendInFlight(item, nowSeconds) &&
      (order === undefined || newerThanLastLifecycle(item, order));
    if (!allowed) return this.answer('revoke', { ok: false, current: { ...item } });
    const updated: Mutable<OtpRecord> = { ...item, status: 'REVOKED', revokedAt: nowSeconds };
    if (close) updated.closedAt = nowSeconds;
    if (order) {
      updated.lastLifecycleAt = order.eventAt;
      updated.lastLifecycleEvent = order.eventKey;
    }
    this.items.set(parcelId, updated);
    return this.answer('revoke', { ok: true, record: { ...updated } });
  }

  async countResend(
    parcelId: string,
    issueId: string,
    nowSeconds: number,
    maxResends: number,
    leaseUntil: number,
  ): Promise<ConditionalResult> {
    this.calls.push('countResend');
    const item = this.items.get(parcelId);
    const allowed =
      item !== undefined &&
      item.issueId === issueId &&
      item.status === 'ISSUED' &&
      item.expiresAt > nowSeconds &&
      (item.resendCount === undefined || item.resendCount < maxResends) &&
      noResendInFlight(item, nowSeconds);
    if (!allowed) return this.answer('countResend', { ok: false, current: item && { ...item } });
    const updated = { ...item, resendCount: (item.resendCount ?? 0) + 1, resendLeaseUntil: leaseUntil };
    this.items.set(parcelId, updated);
    return this.answer('countResend', { ok: true, record: { ...updated } });
  }

  async markSmsResent(parcelId: string, issueId: string): Promise<void> {
    this.calls.push('markSmsResent');
    const item = this.items.get(parcelId);
    if (item?.issueId === issueId)
      this.items.set(parcelId, { ...item, smsStatus: 'SENT', lastChannel: 'SMS' });
  }

  async releaseResend(
    parcelId: string,
    issueId: string,
    leaseUntil: number,
    uncount: boolean,
  ): Promise<void> {
    this.calls.push('releaseResend');
    const item = this.items.get(parcelId);
    const allowed =
      item?.issueId === issueId &&
      item.resendLeaseUntil === leaseUntil &&
      (!uncount || (item.resendCount !== undefined && item.resendCount > 0));
    if (allowed) {
      const updated: Mutable<OtpRecord> = { ...item };
      delete updated.resendLeaseUntil;
      if (uncount) updated.resendCount = (item.resendCount ?? 0) - 1;
      this.items.set(parcelId, updated);
    }
    await this.answer('releaseResend', undefined);
  }

  async claimReceipt(
    parcelId: string,
    nowSeconds: number,
    leaseSeconds: number,
  ): Promise<Exclude<EmailClaim, 'CODE_CLOSED'>> {
    this.calls.push('claimReceipt');
    const item = this.items.get(parcelId);
    const claimable =
      item?.status === 'VERIFIED' &&
      (item.receiptStatus === undefined ||
        (item.receiptStatus === 'SENDING' &&
          item.receiptClaimedAt !== undefined &&
          item.receiptClaimedAt < nowSeconds - leaseSeconds));
    if (!claimable) return item?.receiptStatus === 'SENT' ? 'ALREADY_SENT' : 'IN_FLIGHT';
    this.items.set(parcelId, { ...item, receiptStatus: 'SENDING', receiptClaimedAt: nowSeconds });
    return 'CLAIMED';
  }

  async markReceiptSent(parcelId: string): Promise<void> {
    this.calls.push('markReceiptSent');
    const item = this.items.get(parcelId);
    if (item) this.items.set(parcelId, { ...item, receiptStatus: 'SENT' });
  }

  async releaseReceiptClaim(parcelId: string): Promise<void> {
    this.calls.push('releaseReceiptClaim');
    const item = this.items.get(parcelId);
    if (item?.receiptStatus === 'SENDING') {
      const released: Mutable<OtpRecord> = { ...item };
      delete released.receiptStatus;
      delete released.receiptClaimedAt;
      this.items.set(parcelId, released);
    }
  }

  private async answer<T>(operation: StoreOperation, result: T): Promise<T> {
    const hook = this.hooks.get(operation);
    if (hook) {
      this.hooks.delete(operation);
      await hook();
    }
    return result;
  }
}

/**
 * `attribute_not_exists(lastLifecycleAt) OR lastLifecycleAt < :eventAt
 *  OR (lastLifecycleAt = :eventAt AND lastLifecycleEvent <> :eventKey)`
 */
function newerThanLastLifecycle(item: OtpRecord, order: LifecycleOrder): boolean {
  return (
    item.lastLifecycleAt === undefined ||
    item.lastLifecycleAt < order.eventAt ||
    (item.lastLifecycleAt === order.eventAt &&
      item.lastLifecycleEvent !== undefined &&
      item.lastLifecycleEvent !== order.eventKey)
  );
}

/** No resend and no code SMS in flight: the store's `resendLeaseUntil` and `smsLeaseUntil` conditions. */
function noResendInFlight(item: OtpRecord, nowSeconds: number): boolean {
  return (
    (item.resendLeaseUntil === undefined || item.resendLeaseUntil <= nowSeconds) &&
    (item.smsLeaseUntil === undefined || item.smsLeaseUntil <= nowSeconds)
  );
}
