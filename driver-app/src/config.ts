/** The app's runtime settings, read from `config.json` next to it, so one build serves every environment. */
export interface AppConfig {
  /** Base URL of the verify API, e.g. `https://abc.execute-api.eu-central-1.amazonaws.com`. */
  readonly apiUrl: string;
  /** The drivers' issuer URL (OIDC discovery lives under it): a Cognito pool's, or another provider's. */
  readonly authority: string;
  /** The web app's client id at the issuer (code grant with PKCE, no secret). */
  readonly clientId: string;
  /** Scopes to request, space-separated: `openid secure-delivery/verify`. */
  readonly scope: string;
  /**
   * Base URL of a Cognito pool's managed-login domain (`/logout` and `/oauth2/revoke` live under it);
   * absent for any other OpenID Connect provider, whose discovery document names its endpoints.
   */
  readonly authDomain?: string;
}

/** The config, or a TypeError naming the first missing or non-URL field. */
export function parseConfig(value: unknown): AppConfig {
  if (typeof value !== 'object' || value === null) throw new TypeError('config.json is not an object');
  const record = value as Record<string, unknown>;
  const text = (name: keyof AppConfig): string => {
    const field = record[name];
    if (typeof field !== 'string' || field === '') throw new TypeError(`config.json: ${name} is missing`);
    return field;
  };
  const url = (name: keyof AppConfig): string => {
    const field = text(name).replace(/\/+$/, '');
    if (!/^https?:\/\/[^/]/.test(field)) throw new TypeError(`config.json: ${name} is not a URL`);
    return field;
  };
  return {
    apiUrl: url('apiUrl'),
    authority: url('authority'),
    clientId: text('clientId'),
    scope: text('scope'),
    ...(record.authDomain === undefined ? {} : { authDomain: url('authDomain') }),
  };
}
