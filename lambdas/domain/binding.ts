/** What binding a driver did: bound, waiting for the code, or why it was refused. */
export type BindingOutcome = 'BOUND' | 'WAITING_FOR_CODE' | 'STALE' | 'CLOSED' | 'VERIFIED' | 'REVOKED';

/**
 * The stamps of a parcel's item that tell why a binding was refused, present or absent whatever their
 * values (a DynamoDB item's attributes or a record's numbers); no code, hash or status.
 */
export type BindingStamps = Partial<Record<'closedAt' | 'verifiedAt' | 'revokedAt', unknown>>;

/** Why a binding was refused, from the item's stamps: closed first, then handed over, revoked, or stale. */
export function refusedBinding(stamps: BindingStamps | undefined): BindingOutcome {
  if (stamps?.closedAt !== undefined) return 'CLOSED';
  if (stamps?.verifiedAt !== undefined) return 'VERIFIED';
  if (stamps?.revokedAt !== undefined) return 'REVOKED';
  return 'STALE';
}
