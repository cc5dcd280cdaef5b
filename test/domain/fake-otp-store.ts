import type {
  ConditionalResult,
  EmailClaim,
  LifecycleStore,
  OtpRecord,
  OtpStore,
  VerifyAttempt,
} from '../../lambdas/domain/otp-record.ts';

/** Name of a store operation, as counted by {@link FakeOtpStore.calls}. */
export type StoreOperation = keyof LifecycleStore;

export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * In-memory {@link OtpStore} with the same conditional semantics as `DynamoDbOtpStore`:
 *
 * - every write checks its condition and applies its update synchronously, with no `await` in between,
 *   so each call is atomic just like a DynamoDB conditional write, however many calls race;
 * - a write on a missing item fails its condition (DynamoDB evaluates `issueId = :issue` etc. as false)
 *   and reports no old image;
 * - a missing attribute never satisfies a comparison (`driverId = :driver`, `emailClaimedAt < :stale`).
 *
 * Every call is counted so tests can assert round trips.
 */
export class FakeOtpStore implements OtpStore {
  protected readonly items = new Map<string, OtpRecord>();
  /** Items without a code: an early Out For Delivery's binding, by parcel. */
  private readonly placeholders = new Map<string, string>();
  /** Operations in the order they were called. */
  readonly calls: StoreOperation[] = [];

  /** Number of calls of `operation`, or of all operations. */
  callCount(operation?: StoreOperation): number {
    return operation === undefined
      ? this.calls.length
      : this.calls.filter((call) => call === operation).length;
  }

  resetCalls(): void {
    this.calls.length = 0;
  }

  /** Test back door: writes an item unconditionally, without counting a call. */
  seed(record: OtpRecord): void {
    this.items.set(record.parcelId, { ...record });
  }

  /** Test back door: the stored item, without counting a call. */
  peek(parcelId: string): OtpRecord | undefined {
    const item = this.items.get(parcelId);
    return item ? { ...item } : undefined;
  }

  async createIfAbsent(record: OtpRecord): Promise<{ created: boolean; record: OtpRecord }> {
    this.calls.push('createIfAbsent');
    const existing = this.items.get(record.parcelId);
    if (existing) return { created: false, record: { ...existing } };
    this.items.set(record.parcelId, { ...record });
    return { created: true, record: { ...record } };
  }

  async get(parcelId: string): Promise<OtpRecord | undefined> {
    this.calls.push('get');
    return this.peek(parcelId);
  }

  async claimEmail(
    parcelId: string,
    issueId: string,
    nowSeconds: number,
    leaseSeconds: number,
  ): Promise<EmailClaim> {
    this.calls.push('claimEmail');
    const item = this.items.get(parcelId);
    const stale = nowSeconds - leaseSeconds;
    const open =
      item !== undefined &&
      item.issueId === issueId &&
      item.status === 'ISSUED' &&
      item.expiresAt > nowSeconds;
    const claimable =
      open &&
      (item.emailStatus === undefined ||
        (item.emailStatus === 'SENDING' && item.emailClaimedAt !== undefined && item.emailClaimedAt < stale));
    if (claimable) {
      this.items.set(parcelId, { ...item, emailStatus: 'SENDING', emailClaimedAt: nowSeconds });
      return 'CLAIMED';
    }
    if (item?.emailStatus === 'SENT') return 'ALREADY_SENT';
    return open ? 'IN_FLIGHT' : 'CODE_CLOSED';
  }

  async markEmailSent(parcelId: string, issueId: string): Promise<void> {
    this.calls.push('markEmailSent');
    const item = this.items.get(parcelId);
    // The adapter swallows a failed condition: a stale sender never touches a newer code.
    if (item?.issueId === issueId) this.items.set(parcelId, { ...item, emailStatus: 'SENT' });
  }

  async releaseEmailClaim(parcelId: string, issueId: string): Promise<void> {
    this.calls.push('releaseEmailClaim');
    const item = this.items.get(parcelId);
    if (item?.issueId === issueId) {
      const released: Mutable<OtpRecord> = { ...item };
      delete released.emailStatus;
      delete released.emailClaimedAt;
      this.items.set(parcelId, released);
    }
  }

  async assignDriver(
    parcelId: string,
    driverId: string,
    eventSeconds = 0,
  ): Promise<'BOUND' | 'WAITING_FOR_CODE' | 'REFUSED'> {
    this.calls.push('assignDriver');
    const item = this.items.get(parcelId);
    if (item?.status !== 'ISSUED') return 'REFUSED';
    if (item.boundAt !== undefined && item.boundAt > eventSeconds) return 'REFUSED';
    this.items.set(parcelId, { ...item, driverId, boundAt: eventSeconds });
    return 'BOUND';
  }

  /** An item with no code, bound to `driverId` (Out For Delivery before the code, or a low-value parcel). */
  seedPlaceholder(parcelId: string, driverId: string): void {
    this.placeholders.set(parcelId, driverId);
  }

  async verify(attempt: VerifyAttempt): Promise<ConditionalResult> {
    this.calls.push('verify');
    const item = this.items.get(attempt.parcelId);
    const placeholderDriverId = this.placeholders.get(attempt.parcelId);
    if (!item)
      return { ok: false, current: undefined, ...(placeholderDriverId ? { placeholderDriverId } : {}) };
    if (item.codeHash !== attempt.codeHash || !openForDriver(item, attempt)) {
      return { ok: false, current: { ...item } };
    }
    const updated: OtpRecord = {
      ...item,
      status: 'VERIFIED',
      verifiedAt: attempt.nowSeconds,
      verifiedAtIso: attempt.nowIso,
      verifiedBy: attempt.driverId,
    };
    this.items.set(attempt.parcelId, updated);
    return { ok: true, record: { ...updated } };
  }

  async recordWrongAttempt(attempt: VerifyAttempt, issuedHash: string): Promise<ConditionalResult> {
    this.calls.push('recordWrongAttempt');
    const item = this.items.get(attempt.parcelId);
    if (!item) return { ok: false, current: undefined };
    if (item.codeHash !== issuedHash || !openForDriver(item, attempt)) {
      return { ok: false, current: { ...item } };
    }
    const updated: OtpRecord = {
      ...item,
      wrongAttempts: item.wrongAttempts + 1,
      totalWrongAttempts: item.totalWrongAttempts + 1,
    };
    this.items.set(attempt.parcelId, updated);
    return { ok: true, record: { ...updated } };
  }
}

/**
 * `#status = :issued AND expiresAt > :now AND wrongAttempts < :max AND driverId = :driver`, plus
 * `AND totalWrongAttempts < :parcelMax` when the attempt carries a per-parcel cap.
 */
function openForDriver(item: OtpRecord, attempt: VerifyAttempt): boolean {
  return (
    item.status === 'ISSUED' &&
    item.expiresAt > attempt.nowSeconds &&
    item.wrongAttempts < attempt.maxWrongAttempts &&
    item.driverId !== undefined &&
    item.driverId === attempt.driverId &&
    (attempt.maxWrongAttemptsPerParcel === undefined ||
      item.totalWrongAttempts < attempt.maxWrongAttemptsPerParcel)
  );
}
