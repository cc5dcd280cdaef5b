import { tableAccess } from '../contracts/table-access.ts';
import { type BindingOutcome, refusedBinding } from '../domain/binding.ts';
import { ParcelClosedError } from '../domain/errors.ts';
import type {
  CodeStore,
  OtpRecord,
  OtpStatus,
  VerifyAttempt,
  VerifyState,
  WrongCodeCount,
} from '../domain/otp-record.ts';
import { type Item, n, s, toItem } from './dynamodb-code-item.ts';
import { CodeTableAdapter } from './dynamodb-code-table.ts';

/** The conditions under which a code may still be tried by this driver. */
const openForDriver = (attempt: VerifyAttempt): string =>
  '#status = :issued AND expiresAt > :now AND wrongAttempts < :max AND driverId = :driver' +
  (attempt.maxWrongAttemptsPerParcel === undefined ? '' : ' AND totalWrongAttempts < :parcelMax');

/** The values of {@link openForDriver}. */
function openValues(attempt: VerifyAttempt): Item {
  return {
    ':issued': s('ISSUED'),
    ':now': n(attempt.nowSeconds),
    ':max': n(attempt.maxWrongAttempts),
    ':driver': s(attempt.driverId),
    ...(attempt.maxWrongAttemptsPerParcel === undefined
      ? {}
      : { ':parcelMax': n(attempt.maxWrongAttemptsPerParcel) }),
  };
}

/** What verify reads back: the contract's projection, which IAM enforces (no hash in it). */
const VERIFY_READS = tableAccess('verify-otp', 'OTP_TABLE_NAME').read ?? [];
const ASSIGN_READS = tableAccess('assign-driver', 'OTP_TABLE_NAME').read ?? [];

/**
 * Issuing may write over the item: no code was ever issued (`orderId`, which only issuing writes) and no
 * closure (`closedAt` with status REVOKED, as apply-lifecycle writes them; assign-driver may write
 * `closedAt` or `issueId`, verify `status`, neither both): a forged stamp does not keep a parcel from its code.
 */
const noCodeAndNotClosed = (status: string): string =>
  `attribute_not_exists(orderId) AND NOT (attribute_exists(closedAt) AND ${status} = :revoked)`;

/** What a placeholder may carry that another role forged and a new code must not inherit. */
const PLACEHOLDER_FORGEABLE = [
  'closedAt',
  'revokedAt',
  'verifiedAt',
  'verifiedAtIso',
  'verifiedBy',
  'previousCodeHash',
] as const;

/** The binding's order: an event older than the last (re)binding or reissue changes nothing. */
const NOT_OLDER_THAN_BINDING = '(attribute_not_exists(boundAt) OR boundAt <= :at)';

/** DynamoDB implementation of {@link CodeStore}: every limit is a condition on the write itself. */
export class DynamoDbCodeStore extends CodeTableAdapter implements CodeStore {
  /** The same store, its requests abandoned once `signal` aborts (a handler's deadline). */
  withAbortSignal(signal: AbortSignal): DynamoDbCodeStore {
    return new DynamoDbCodeStore(this.table.withAbortSignal(signal));
  }

  async createIfAbsent(record: OtpRecord): Promise<{ created: boolean; record: OtpRecord }> {
    // An update, not a put: a placeholder's early driver binding is kept, a closure refuses the code.
    const { parcelId: _key, ...fields } = toItem(record);
    const entries = Object.entries(fields);
    const names = Object.fromEntries(entries.map(([name], index) => [`#f${index}`, name]));
    // A record always has a status: the condition names it through the alias the SET gives it.
    const status = Object.keys(names).find((alias) => names[alias] === 'status') ?? '#f0';
    const result = await this.table.update(record.parcelId, {
      UpdateExpression:
        `SET ${entries.map((_, index) => `#f${index} = :f${index}`).join(', ')} ` +
        `REMOVE ${PLACEHOLDER_FORGEABLE.join(', ')}`,
      ConditionExpression: noCodeAndNotClosed(status),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: {
        ...Object.fromEntries(entries.map(([, value], index) => [`:f${index}`, value])),
        ':revoked': s('REVOKED'),
      },
    });
    if (result.ok) return { created: true, record: result.record };
    if (!result.current)
      throw new ParcelClosedError(`Parcel ${record.parcelId} was closed before its code was issued`);
    return { created: false, record: result.current };
  }

  async assignDriver(
    parcelId: string,
    driverId: string,
    eventSeconds: number,
    placeholderTtl: number,
  ): Promise<BindingOutcome> {
    // Writes that answer nothing (IAM allows assign-driver no more): which one held tells the outcome.
    // The code is open: issued, neither verified nor revoked (assign-driver never reads or writes status).
    const bound = () =>
      this.bind(parcelId, driverId, eventSeconds, {
        condition:
          'attribute_exists(issueId) AND attribute_not_exists(verifiedAt) AND attribute_not_exists(revokedAt)',
      });
    if (await bound()) return 'BOUND';
    // Before the code exists the binding waits in a placeholder, which the issued code then keeps.
    const waiting = await this.bind(parcelId, driverId, eventSeconds, {
      condition: 'attribute_not_exists(issueId) AND attribute_not_exists(closedAt)',
      placeholderTtl,
    });
    if (waiting) return 'WAITING_FOR_CODE';
    // The code may have been issued between the two writes: its binding must not be lost.
    if (await bound()) return 'BOUND';
    // Why not, from the stamps alone (a projection IAM allows assign-driver): the refused event's answer.
    return refusedBinding(await this.table.read(parcelId, ASSIGN_READS));
  }

  async verify(attempt: VerifyAttempt): Promise<boolean> {
    return this.table.write(attempt.parcelId, {
      // verifiedAtIso: the stream's pipe copies it into Parcel Handover Verified as the contract's string.
      UpdateExpression:
        'SET #status = :verified, verifiedAt = :now, verifiedAtIso = :nowIso, verifiedBy = :driver',
      // Never over a stamp already there (one assign-driver may forge): the pipe would not announce it.
      ConditionExpression: `codeHash = :hash AND attribute_not_exists(verifiedAt) AND ${openForDriver(attempt)}`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ...openValues(attempt),
        ':hash': s(attempt.codeHash),
        ':verified': s('VERIFIED'),
        ':nowIso': s(attempt.nowIso),
      },
    });
  }

  async verifyState(parcelId: string): Promise<VerifyState | undefined> {
    const item = await this.table.read(parcelId, VERIFY_READS);
    if (!item) return undefined;
    const number = (value: Item[string] | undefined) =>
      value?.N === undefined ? undefined : Number(value.N);
    const status = item.status?.S as OtpStatus | undefined;
    const expiresAt = number(item.expiresAt);
    return {
      hasCode: item.issueId?.S !== undefined,
      ...(status === undefined ? {} : { status }),
      ...(expiresAt === undefined ? {} : { expiresAt }),
      wrongAttempts: number(item.wrongAttempts) ?? 0,
      totalWrongAttempts: number(item.totalWrongAttempts) ?? 0,
      ...(item.driverId?.S === undefined ? {} : { driverId: item.driverId.S }),
    };
  }

  async recordWrongAttempt(attempt: VerifyAttempt): Promise<WrongCodeCount | undefined> {
    const written = await this.table.write(attempt.parcelId, {
      UpdateExpression: 'ADD wrongAttempts :one, totalWrongAttempts :one',
      // Wrong for the current code, not the code a reissue replaced (that one is refused as revoked),
      // and still open: the bound holds however many requests race.
      ConditionExpression:
        'codeHash <> :hash AND (attribute_not_exists(previousCodeHash) OR previousCodeHash <> :hash) ' +
        `AND ${openForDriver(attempt)}`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ...openValues(attempt), ':hash': s(attempt.codeHash), ':one': n(1) },
    });
    if (!written) return undefined;
    // The counts through verify's projection, not UPDATED_NEW (which would answer any attribute the
    // expression names, a hash included): a round trip on a wrong code only, never on the handover.
    const state = await this.verifyState(attempt.parcelId);
    return {
      wrongAttempts: state?.wrongAttempts ?? 0,
      totalWrongAttempts: state?.totalWrongAttempts ?? 0,
    };
  }

  /** Binds the driver as of `eventSeconds` iff `condition` holds and no newer event bound it; answers nothing. */
  private async bind(
    parcelId: string,
    driverId: string,
    eventSeconds: number,
    { condition, placeholderTtl }: { readonly condition: string; readonly placeholderTtl?: number },
  ): Promise<boolean> {
    return this.table.write(parcelId, {
      UpdateExpression:
        placeholderTtl === undefined
          ? 'SET driverId = :driver, boundAt = :at'
          : 'SET driverId = :driver, boundAt = :at, #ttl = if_not_exists(#ttl, :placeholderTtl)',
      ConditionExpression: `${condition} AND ${NOT_OLDER_THAN_BINDING}`,
      ...(placeholderTtl === undefined ? {} : { ExpressionAttributeNames: { '#ttl': 'ttl' } }),
      ExpressionAttributeValues: {
        ':driver': s(driverId),
        ':at': n(eventSeconds),
        ...(placeholderTtl === undefined ? {} : { ':placeholderTtl': n(placeholderTtl) }),
      },
    });
  }
}
