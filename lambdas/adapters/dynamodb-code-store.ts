import { ParcelClosedError } from '../domain/errors.ts';
import {
  type BindingOutcome,
  type CodeStore,
  type ConditionalResult,
  type OtpRecord,
  refusedBinding,
  type VerifyAttempt,
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
    const result = await this.table.update(record.parcelId, {
      UpdateExpression: `SET ${entries.map((_, index) => `#f${index} = :f${index}`).join(', ')}`,
      ConditionExpression: 'attribute_not_exists(issueId) AND attribute_not_exists(closedAt)',
      ExpressionAttributeNames: Object.fromEntries(entries.map(([name], index) => [`#f${index}`, name])),
      ExpressionAttributeValues: Object.fromEntries(entries.map(([, value], index) => [`:f${index}`, value])),
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
    const result = await this.table.update(parcelId, {
      UpdateExpression: 'SET driverId = :driver, boundAt = :at, #ttl = if_not_exists(#ttl, :placeholderTtl)',
      // Events arrive late and out of order: one older than the last (re)binding or reissue changes nothing.
      // Before the code exists the binding waits in a placeholder, which the issued code then keeps.
      ConditionExpression:
        '((attribute_not_exists(issueId) AND attribute_not_exists(closedAt)) OR #status = :issued) ' +
        'AND (attribute_not_exists(boundAt) OR boundAt <= :at)',
      ExpressionAttributeNames: { '#status': 'status', '#ttl': 'ttl' },
      ExpressionAttributeValues: {
        ':driver': s(driverId),
        ':issued': s('ISSUED'),
        ':at': n(eventSeconds),
        ':placeholderTtl': n(placeholderTtl),
      },
    });
    if (!result.ok) return refusedBinding(result);
    return result.record.issueId ? 'BOUND' : 'WAITING_FOR_CODE';
  }

  verify(attempt: VerifyAttempt): Promise<ConditionalResult> {
    return this.table.update(attempt.parcelId, {
      // verifiedAtIso: the stream's pipe copies it into Parcel Handover Verified as the contract's string.
      UpdateExpression:
        'SET #status = :verified, verifiedAt = :now, verifiedAtIso = :nowIso, verifiedBy = :driver',
      ConditionExpression: `codeHash = :hash AND ${openForDriver(attempt)}`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ...openValues(attempt),
        ':hash': s(attempt.codeHash),
        ':verified': s('VERIFIED'),
        ':nowIso': s(attempt.nowIso),
      },
    });
  }

  recordWrongAttempt(attempt: VerifyAttempt, issuedHash: string): Promise<ConditionalResult> {
    return this.table.update(attempt.parcelId, {
      UpdateExpression: 'ADD wrongAttempts :one, totalWrongAttempts :one',
      // Same code still current, and still open: the bound holds however many requests race.
      ConditionExpression: `codeHash = :issuedHash AND ${openForDriver(attempt)}`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ...openValues(attempt), ':issuedHash': s(issuedHash), ':one': n(1) },
    });
  }
}
