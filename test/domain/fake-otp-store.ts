import { DEFAULT_CLOSURE_TTL_SECONDS } from '../../lambdas/adapters/dynamodb-lifecycle-store.ts';
import { WAITING_BINDING_TTL_SECONDS } from '../../lambdas/domain/assignment.ts';
import { type BindingOutcome, refusedBinding } from '../../lambdas/domain/binding.ts';
import { ParcelClosedError } from '../../lambdas/domain/errors.ts';
import {
  type CodeEmailClaims,
  type CodeStore,
  type ConditionalResult,
  DELIVERY_RANK,
  type EmailClaim,
  type LifecycleOrder,
  type LifecycleStore,
  type OtpRecord,
  type ReceiptClaim,
  type ReceiptClaims,
  type ReissueOptions,
  type ResendClaims,
  type ResendLeaseOptions,
  type RevokeOptions,
  type VerifyAttempt,
  type VerifyState,
  type WrongCodeCount,
} from '../../lambdas/domain/otp-record.ts';

/** The ports the fake stands in for (all but the SMS and delivery-status ones). */
export type FakedStorePorts = CodeStore & LifecycleStore & CodeEmailClaims & ResendClaims & ReceiptClaims;

/** Name of a store operation, as counted by {@link FakeOtpStore.calls}. */
export type StoreOperation = keyof FakedStorePorts;

export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** An item as the table holds it: a code record, or a placeholder (no `issueId`) for what came early. */
type Item = Mutable<Partial<OtpRecord>> & { parcelId: string };

/**
 * In-memory code store ({@link FakedStorePorts}) that behaves like the DynamoDB code adapters
 * (`DynamoDbCodeStore`, `DynamoDbLifecycleStore`, `DynamoDbDeliveryClaims`), condition for condition:
 *
 * - every write checks its condition and applies its update with no `await` in between, so each call is
 *   atomic like a conditional UpdateItem, however many calls race;
 * - a comparison with a missing attribute is false (`driverId = :driver`, `lastLifecycleEvent <> :key`);
 * - an update may create the item, as UpdateItem does: an early Out For Delivery leaves a placeholder bound
 *   to its driver, an early closure one that bars the code (`createIfAbsent` then throws ParcelClosedError);
 * - a refused write answers with the item as it was (`ReturnValuesOnConditionCheckFailure: ALL_OLD`): the
 *   record, or for a placeholder only its driver.
 *
 * Every call is counted so tests can assert round trips; {@link interleave} lets another request land
 * right after a given write, before its caller sees the answer.
 */
export class FakeOtpStore implements FakedStorePorts {
  private readonly items = new Map<string, Item>();
  private readonly hooks = new Map<StoreOperation, () => Promise<void>>();
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

  /** Test back door: an item with no code, bound to `driverId` (Out For Delivery before the code, or a low-value parcel). */
  seedPlaceholder(parcelId: string, driverId: string, boundAt = 0): void {
    this.items.set(parcelId, { parcelId, driverId, boundAt });
  }

  /** Test back door: the stored item (a placeholder too), without counting a call. */
  peek(parcelId: string): OtpRecord | undefined {
    const item = this.items.get(parcelId);
    return item ? ({ ...item } as OtpRecord) : undefined;
  }

  /** Runs `hook` once, right after the next `operation` has written (or refused), before it returns. */
  interleave(operation: StoreOperation, hook: () => Promise<void>): void {
    this.hooks.set(operation, hook);
  }

  async createIfAbsent(record: OtpRecord): Promise<{ created: boolean; record: OtpRecord }> {
    // An update, not a put: a placeholder's early binding stays unless the record sets its own.
    const result = await this.update(
      'createIfAbsent',
      record.parcelId,
      (item) => item?.orderId === undefined && !(item?.closedAt !== undefined && item.status === 'REVOKED'),
      (item) => {
        remove(
          item,
          'closedAt',
          'revokedAt',
          'verifiedAt',
          'verifiedAtIso',
          'verifiedBy',
          'previousCodeHash',
        );
        Object.assign(item, definedFields(record));
      },
    );
    if (result.ok) return { created: true, record: result.record };
    if (!result.current)
      throw new ParcelClosedError(`Parcel ${record.parcelId} was closed before its code was issued`);
    return { created: false, record: result.current };
  }

  async get(parcelId: string): Promise<OtpRecord | undefined> {
    this.calls.push('get');
    return this.answer('get', recordOf(this.items.get(parcelId)));
  }

  async claimEmail(
    parcelId: string,
    issueId: string,
    nowSeconds: number,
    leaseSeconds: number,
  ): Promise<EmailClaim> {
    const stale = nowSeconds - leaseSeconds;
    const result = await this.update(
      'claimEmail',
      parcelId,
      (item) =>
        openCode(item, issueId, nowSeconds) &&
        (item?.emailStatus === undefined ||
          (item.emailStatus === 'SENDING' && lessThan(item.emailClaimedAt, stale))),
      (item) => Object.assign(item, { emailStatus: 'SENDING', emailClaimedAt: nowSeconds }),
    );
    if (result.ok) return 'CLAIMED';
    if (result.current?.emailStatus === 'SENT') return 'ALREADY_SENT';
    return openCode(result.current, issueId, nowSeconds) ? 'IN_FLIGHT' : 'CODE_CLOSED';
  }

  async markEmailSent(parcelId: string, issueId: string, messageId?: string): Promise<void> {
    await this.update(
      'markEmailSent',
      parcelId,
      (item) => item?.issueId === issueId,
      (item) => {
        item.emailStatus = 'SENT';
        if (messageId === undefined) return;
        Object.assign(item, {
          emailMessageId: messageId,
          emailDelivery: 'SENT',
          emailDeliveryRank: DELIVERY_RANK.SENT,
        });
        delete item.emailBounceType;
      },
    );
  }

  async releaseEmailClaim(parcelId: string, issueId: string): Promise<void> {
    // Only a claim still in flight: a sender that outlived its lease must not wipe SENT.
    await this.update(
      'releaseEmailClaim',
      parcelId,
      (item) => item?.issueId === issueId && item.emailStatus === 'SENDING',
      (item) => remove(item, 'emailStatus', 'emailClaimedAt'),
    );
  }

  async assignDriver(
    parcelId: string,
    driverId: string,
    eventSeconds: number,
    placeholderTtl = eventSeconds + WAITING_BINDING_TTL_SECONDS,
  ): Promise<BindingOutcome> {
    // One call, its writes answering nothing: which condition held tells the outcome (as the adapter).
    const notOlder = (item: Item | undefined) => item?.boundAt === undefined || item.boundAt <= eventSeconds;
    const result = await this.update(
      'assignDriver',
      parcelId,
      (item) =>
        ((item?.issueId === undefined && item?.closedAt === undefined) ||
          (item?.issueId !== undefined && item.verifiedAt === undefined && item.revokedAt === undefined)) &&
        notOlder(item),
      (item) => Object.assign(item, { driverId, boundAt: eventSeconds, ttl: item.ttl ?? placeholderTtl }),
    );
    if (result.ok) return result.record.issueId ? 'BOUND' : 'WAITING_FOR_CODE';
    return refusedBinding(this.items.get(parcelId));
  }

  async verify(attempt: VerifyAttempt): Promise<boolean> {
    const result = await this.update(
      'verify',
      attempt.parcelId,
      (item) =>
        item?.codeHash === attempt.codeHash && item.verifiedAt === undefined && openForDriver(item, attempt),
      (item) =>
        Object.assign(item, {
          status: 'VERIFIED',
          verifiedAt: attempt.nowSeconds,
          verifiedAtIso: attempt.nowIso,
          verifiedBy: attempt.driverId,
        }),
    );
    return result.ok;
  }

  async verifyState(parcelId: string): Promise<VerifyState | undefined> {
    this.calls.push('verifyState');
    const item = this.items.get(parcelId);
    return this.answer(
      'verifyState',
      item && {
        hasCode: item.issueId !== undefined,
        ...(item.status === undefined ? {} : { status: item.status }),
        ...(item.expiresAt === undefined ? {} : { expiresAt: item.expiresAt }),
        wrongAttempts: item.wrongAttempts ?? 0,
        totalWrongAttempts: item.totalWrongAttempts ?? 0,
        ...(item.driverId === undefined ? {} : { driverId: item.driverId }),
      },
    );
  }

  async recordWrongAttempt(attempt: VerifyAttempt): Promise<WrongCodeCount | undefined> {
    const result = await this.update(
      'recordWrongAttempt',
      attempt.parcelId,
      (item) =>
        item?.codeHash !== undefined &&
        item.codeHash !== attempt.codeHash &&
        item.previousCodeHash !== attempt.codeHash &&
        openForDriver(item, attempt),
      (item) =>
        Object.assign(item, {
          wrongAttempts: (item.wrongAttempts ?? 0) + 1,
          totalWrongAttempts: (item.totalWrongAttempts ?? 0) + 1,
        }),
    );
    if (!result.ok) return undefined;
    return {
      wrongAttempts: result.record.wrongAttempts,
      totalWrongAttempts: result.record.totalWrongAttempts,
    };
  }

  reissue(
    parcelId: string,
    { expectedIssueId, fields, maxWrongPerParcel, order }: ReissueOptions,
  ): Promise<ConditionalResult> {
    const keep = order.keepBindingAt !== undefined;
    return this.update(
      'reissue',
      parcelId,
      (item) =>
        item?.issueId === expectedIssueId &&
        item.status !== undefined &&
        item.status !== 'VERIFIED' &&
        item.closedAt === undefined &&
        lessThan(item.totalWrongAttempts, maxWrongPerParcel) &&
        newerThanLastLifecycle(item, order) &&
        noResendInFlight(item, order.nowSeconds) &&
        noSmsInFlight(item, order.nowSeconds) &&
        (keep
          ? item.boundAt === order.keepBindingAt
          : item.boundAt === undefined || item.boundAt <= order.eventAt),
      (item) => {
        Object.assign(item, {
          ...fields,
          previousCodeHash: item.codeHash,
          status: 'ISSUED',
          wrongAttempts: 0,
          resendCount: 0,
          issueCount: (item.issueCount ?? 1) + 1,
          lastLifecycleAt: order.eventAt,
          lastLifecycleEvent: order.eventKey,
        });
        if (!keep) {
          item.boundAt = order.eventAt;
          delete item.driverId;
        }
        remove(
          item,
          'emailStatus',
          'emailClaimedAt',
          'revokedAt',
          'lifecycleRevokedAt',
          'resendLeaseUntil',
          'emailMessageId',
          'emailDelivery',
          'emailDeliveryRank',
          'emailBounceType',
          'smsStatus',
          'smsClaimedAt',
          'smsLeaseUntil',
          'undeliverableAt',
          'delayedShard',
          'delayedAt',
        );
      },
    );
  }

  revoke(parcelId: string, { nowSeconds, close, order }: RevokeOptions): Promise<ConditionalResult> {
    // Closing also works before the code exists: the placeholder it leaves bars the code for good.
    return this.update(
      'revoke',
      parcelId,
      (item) =>
        (close
          ? item?.issueId === undefined || (item.status !== undefined && item.status !== 'VERIFIED')
          : item?.issueId !== undefined &&
            item.status !== undefined &&
            item.status !== 'VERIFIED' &&
            item.closedAt === undefined) &&
        noResendInFlight(item, nowSeconds) &&
        noSmsInFlight(item, nowSeconds) &&
        (order === undefined || newerThanLastLifecycle(item, order)),
      (item) => {
        Object.assign(item, { status: 'REVOKED', revokedAt: nowSeconds, lifecycleRevokedAt: nowSeconds });
        if (close)
          Object.assign(item, {
            closedAt: nowSeconds,
            ttl: item.ttl ?? nowSeconds + DEFAULT_CLOSURE_TTL_SECONDS,
          });
        if (order)
          Object.assign(item, { lastLifecycleAt: order.eventAt, lastLifecycleEvent: order.eventKey });
      },
    );
  }

  countResend(
    parcelId: string,
    issueId: string,
    { nowSeconds, maxResends, leaseUntil }: ResendLeaseOptions,
  ): Promise<ConditionalResult> {
    // One resend in flight at a time: a second one must not end the first one's hold on the code.
    return this.update(
      'countResend',
      parcelId,
      (item) =>
        openCode(item, issueId, nowSeconds) &&
        (item?.resendCount === undefined || item.resendCount < maxResends) &&
        noResendInFlight(item, nowSeconds),
      (item) =>
        Object.assign(item, { resendCount: (item.resendCount ?? 0) + 1, resendLeaseUntil: leaseUntil }),
    );
  }

  async markSmsResent(parcelId: string, issueId: string): Promise<void> {
    await this.update(
      'markSmsResent',
      parcelId,
      (item) => item?.issueId === issueId,
      (item) => {
        Object.assign(item, { smsStatus: 'SENT', lastChannel: 'SMS' });
        delete item.smsLeaseUntil;
      },
    );
  }

  async releaseResend(
    parcelId: string,
    issueId: string,
    { leaseUntil, giveBack }: { readonly leaseUntil: number; readonly giveBack: boolean },
  ): Promise<void> {
    // Only this resend's own hold: one whose lease ran out and was taken over leaves the new one alone.
    await this.update(
      'releaseResend',
      parcelId,
      (item) =>
        item?.issueId === issueId &&
        item.resendLeaseUntil === leaseUntil &&
        (!giveBack || (item.resendCount !== undefined && item.resendCount > 0)),
      (item) => {
        delete item.resendLeaseUntil;
        if (giveBack) item.resendCount = (item.resendCount ?? 0) - 1;
      },
    );
  }

  async claimReceipt(parcelId: string, nowSeconds: number, leaseSeconds: number): Promise<ReceiptClaim> {
    const result = await this.update(
      'claimReceipt',
      parcelId,
      (item) =>
        item !== undefined &&
        (item.receiptStatus === undefined ||
          (item.receiptStatus === 'SENDING' && lessThan(item.receiptClaimedAt, nowSeconds - leaseSeconds))),
      (item) => Object.assign(item, { receiptStatus: 'SENDING', receiptClaimedAt: nowSeconds }),
    );
    if (result.ok) return 'CLAIMED';
    if (!result.current) return 'NO_RECORD';
    return result.current.receiptStatus === 'SENDING' ? 'IN_FLIGHT' : 'ALREADY_SENT';
  }

  async markReceiptNoRecipient(parcelId: string): Promise<void> {
    await this.update(
      'markReceiptNoRecipient',
      parcelId,
      (item) => item !== undefined,
      (item) => Object.assign(item, { receiptStatus: 'NO_RECIPIENT' }),
    );
  }

  async markReceiptSent(parcelId: string): Promise<void> {
    // Never creates an item: the record may have been deleted meanwhile.
    await this.update(
      'markReceiptSent',
      parcelId,
      (item) => item !== undefined,
      (item) => Object.assign(item, { receiptStatus: 'SENT' }),
    );
  }

  async releaseReceiptClaim(parcelId: string): Promise<void> {
    await this.update(
      'releaseReceiptClaim',
      parcelId,
      (item) => item?.receiptStatus === 'SENDING',
      (item) => remove(item, 'receiptStatus', 'receiptClaimedAt'),
    );
  }

  /**
   * A conditional UpdateItem: if `condition` holds for the item as it is (undefined: none yet), applies
   * `apply` to a copy (a new item when there was none) and stores it, all without an `await`.
   */
  private update(
    operation: StoreOperation,
    parcelId: string,
    condition: (item: Item | undefined) => boolean,
    apply: (item: Item) => void,
  ): Promise<ConditionalResult> {
    this.calls.push(operation);
    const item = this.items.get(parcelId);
    if (!condition(item)) return this.answer(operation, refused(item));
    const updated: Item = { ...(item ?? { parcelId }) };
    apply(updated);
    this.items.set(parcelId, updated);
    return this.answer(operation, { ok: true, record: { ...updated } as OtpRecord });
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

/** The item as a code record, or undefined for none or a placeholder. */
function recordOf(item: Item | undefined): OtpRecord | undefined {
  return item?.issueId === undefined ? undefined : ({ ...item } as OtpRecord);
}

/** A refused write's answer: the record, or for a placeholder only the driver it is bound to. */
function refused(item: Item | undefined): ConditionalResult {
  const placeholderDriverId = item && item.issueId === undefined ? item.driverId : undefined;
  return {
    ok: false,
    current: recordOf(item),
    ...(placeholderDriverId === undefined ? {} : { placeholderDriverId }),
  };
}

/** `a < b`, false when `a` is missing (as DynamoDB compares a missing attribute). */
const lessThan = (a: number | undefined, b: number): boolean => a !== undefined && a < b;

function definedFields(record: OtpRecord): Partial<OtpRecord> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

function remove(item: Item, ...names: (keyof OtpRecord)[]): void {
  for (const name of names) delete item[name];
}

/** `issueId = :issue AND #status = :issued AND expiresAt > :now`. */
function openCode(item: Partial<OtpRecord> | undefined, issueId: string, nowSeconds: number): boolean {
  return (
    item?.issueId === issueId &&
    item.status === 'ISSUED' &&
    item.expiresAt !== undefined &&
    item.expiresAt > nowSeconds
  );
}

/**
 * `#status = :issued AND expiresAt > :now AND wrongAttempts < :max AND driverId = :driver`, plus
 * `AND totalWrongAttempts < :parcelMax` when the attempt carries a per-parcel cap.
 */
function openForDriver(item: Item | undefined, attempt: VerifyAttempt): boolean {
  return (
    item?.status === 'ISSUED' &&
    item.expiresAt !== undefined &&
    item.expiresAt > attempt.nowSeconds &&
    lessThan(item.wrongAttempts, attempt.maxWrongAttempts) &&
    item.driverId !== undefined &&
    item.driverId === attempt.driverId &&
    (attempt.maxWrongAttemptsPerParcel === undefined ||
      lessThan(item.totalWrongAttempts, attempt.maxWrongAttemptsPerParcel))
  );
}

/**
 * `attribute_not_exists(lastLifecycleAt) OR lastLifecycleAt < :eventAt
 *  OR (lastLifecycleAt = :eventAt AND lastLifecycleEvent <> :eventKey)`
 */
function newerThanLastLifecycle(item: Item | undefined, order: LifecycleOrder): boolean {
  const last = item?.lastLifecycleAt;
  return (
    last === undefined ||
    last < order.eventAt ||
    (last === order.eventAt &&
      item?.lastLifecycleEvent !== undefined &&
      item.lastLifecycleEvent !== order.eventKey)
  );
}

/** `attribute_not_exists(resendLeaseUntil) OR resendLeaseUntil <= :now`. */
function noResendInFlight(item: Item | undefined, nowSeconds: number): boolean {
  return item?.resendLeaseUntil === undefined || item.resendLeaseUntil <= nowSeconds;
}

/** `attribute_not_exists(smsLeaseUntil) OR smsLeaseUntil <= :now`. */
function noSmsInFlight(item: Item | undefined, nowSeconds: number): boolean {
  return item?.smsLeaseUntil === undefined || item.smsLeaseUntil <= nowSeconds;
}
