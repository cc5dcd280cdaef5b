/**
 * The driver app's browser security policy, one definition for the stack's CloudFront response headers
 * policy and the sandbox's app server: the app loads only its own files and talks only to the API and the
 * user pool.
 */

/**
 * The Content Security Policy: no inline script or style, no third-party origin, no frames, no forms posted
 * anywhere.
 * @param connectSources origins the app may call: the verify API, the pool's issuer and its login domain.
 */
export function driverAppContentSecurityPolicy(connectSources: readonly string[]): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "manifest-src 'self'",
    "worker-src 'self'",
    `connect-src 'self' ${connectSources.join(' ')}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The camera for scanning labels, from this origin only; nothing else the browser can grant. */
export const DRIVER_APP_PERMISSIONS_POLICY =
  'camera=(self), microphone=(), geolocation=(), payment=(), usb=()';
