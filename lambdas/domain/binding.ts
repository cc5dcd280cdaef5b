/** What binding a driver did: bound, waiting for the code, or why it was refused. */
export type BindingOutcome = 'BOUND' | 'WAITING_FOR_CODE' | 'STALE' | 'CLOSED' | 'VERIFIED' | 'REVOKED';

/** The stamps of a parcel's item that tell why a binding was refused (no code, hash or status). */
export interface BindingStamps {
  readonly closed: boolean;
  readonly verified: boolean;
  readonly revoked: boolean;
}

/** Why a binding was refused, from the item's stamps: closed first, then handed over, revoked, or stale. */
export function refusedBinding(stamps: BindingStamps | undefined): BindingOutcome {
  if (stamps?.closed) return 'CLOSED';
  if (stamps?.verified) return 'VERIFIED';
  if (stamps?.revoked) return 'REVOKED';
  return 'STALE';
}
