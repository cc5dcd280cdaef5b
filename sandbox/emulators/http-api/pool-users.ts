/**
 * The users of a local user pool, made on first sign-in: as in Cognito, each has a `sub` generated once
 * (a UUID) and its attributes; the name it signs in with is its username. An issuer whose sign-in names a
 * user attribute stores the name there too (e.g. an id the application's own records know the user by).
 */
import { randomUUID } from 'node:crypto';

/** A user of the pool: its generated `sub`, its username, and its attributes besides `sub`. */
export interface PoolUser {
  readonly sub: string;
  readonly username: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** The pool's users by username, each created on first use and the same ever after. */
export class LocalPoolUsers {
  readonly #users = new Map<string, PoolUser>();

  /**
   * @param nameAttribute the user attribute the sign-in name is stored in; without it a user's `sub` is
   *   the name itself (an issuer that models no attributes).
   */
  constructor(private readonly nameAttribute?: string) {}

  /** The user signing in as `username`, created the first time. */
  userFor(username: string): PoolUser {
    const known = this.#users.get(username);
    if (known) return known;
    const user: PoolUser = this.nameAttribute
      ? { sub: randomUUID(), username, attributes: { [this.nameAttribute]: username } }
      : { sub: username, username, attributes: {} };
    this.#users.set(username, user);
    return user;
  }
}
