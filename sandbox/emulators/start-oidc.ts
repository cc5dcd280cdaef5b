import type { SignInSubject } from './http-api/jwt-issuer.ts';
import { LocalOidcProvider } from './http-api/oidc-provider.ts';

/**
 * An OpenID Connect provider outside AWS that the template's JWT authorizer names by its `https://` issuer,
 * as its owner set it up for the application (the sandbox runs a local one in its place).
 */
export interface OidcProviderSettings {
  /** The issuer the template names; the local provider stands in for it. */
  readonly issuer: string;
  /** The `aud` of its access tokens. */
  readonly audience: string;
  /** The public clients registered with it; each may return to the app's URL (`<appUrl>/`). */
  readonly clients: readonly { readonly clientId: string; readonly scopes: readonly string[] }[];
  /** Who signs in, and the claim their name goes into. */
  readonly signInSubject: SignInSubject;
  /** The scopes of the direct token (`POST <local issuer>/_sandbox/token`). */
  readonly directTokenScopes: readonly string[];
}

/** A client's token lifetimes at the provider: an hour's access token, a shift's refresh token. */
const TOKEN_SECONDS = { accessTokenSeconds: 3600, refreshTokenSeconds: 12 * 3600 };

/**
 * A local provider for each of `providers` at `<awsBase>/oidc/<host and path of its issuer>`, keyed by the
 * issuer the template names.
 */
export async function startOidcProviders(
  providers: readonly OidcProviderSettings[],
  awsBase: string,
  appUrl: string | undefined,
): Promise<Map<string, LocalOidcProvider>> {
  const started = new Map<string, LocalOidcProvider>();
  for (const settings of providers) {
    const { host, pathname } = new URL(settings.issuer);
    const appUrls = appUrl === undefined ? [] : [`${appUrl}/`];
    const provider = await LocalOidcProvider.create({
      issuerUrl: `${awsBase}/oidc/${host}${pathname.replace(/\/+$/, '')}`,
      audience: settings.audience,
      clients: settings.clients.map((client) => ({
        clientId: client.clientId,
        scopes: client.scopes,
        callbackUrls: appUrls,
        logoutUrls: appUrls,
        ...TOKEN_SECONDS,
      })),
      signInSubject: settings.signInSubject,
      directTokenScopes: settings.directTokenScopes,
    });
    started.set(settings.issuer, provider);
  }
  return started;
}
