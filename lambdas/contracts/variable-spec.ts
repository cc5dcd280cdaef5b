// One variable of the environment contract (lambdas/contracts/environment.ts): its kind and spec.

/** How a variable's value is written in the environment and what a handler gets back. */
export type VariableKind =
  /** Any non-empty text, given as it is. */
  | 'string'
  /** A non-negative safe integer, in decimal. */
  | 'nonNegativeInteger'
  /** Words separated by spaces; a handler gets the words. */
  | 'spaceList'
  /** A JSON document; a handler gets the text, its domain parser validates it. */
  | 'json';

/** What `lib/` binds a variable to: the grant that goes with setting it (`SecureDeliveryFunction.bind*`). */
export type VariableBinding = 'table' | 'secret' | 'key' | 'mail' | 'sms' | 'eventBus';

/** One variable of the contract. */
export interface VariableSpec {
  readonly kind: VariableKind;
  /** What the value is, for a reader of the template or the console. */
  readonly description: string;
  /** The one default of the product: handlers fall back to it, `lib/` sets it when no setting is given. */
  readonly default?: number | string;
  /** Set by `lib/` together with a grant (`bind*`), never with `setEnvironment`. */
  readonly binding?: VariableBinding;
  /** A handler may read it unset (no default, and not required). */
  readonly optional?: true;
  /** The only values it may take (a `string` variable naming one of a few modes). */
  readonly values?: readonly string[];
  /** Set on every function by `SecureDeliveryFunction` and read by the runtime or Powertools, not by a handler. */
  readonly platform?: true;
}
