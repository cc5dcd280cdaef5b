/**
 * An HTTP API's CORS configuration as API Gateway applies it ("Configuring CORS for an HTTP API"): with a
 * `CorsConfiguration`, API Gateway answers every preflight `OPTIONS` itself (no route or authorizer runs)
 * and adds the configured headers to the integration's answers for an allowed `Origin`; an origin not in
 * `AllowOrigins` gets no CORS headers, so the browser withholds the answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** `CorsConfiguration` of an `AWS::ApiGatewayV2::Api`, resolved. */
export interface HttpApiCors {
  readonly AllowOrigins?: readonly string[];
  readonly AllowMethods?: readonly string[];
  readonly AllowHeaders?: readonly string[];
  readonly ExposeHeaders?: readonly string[];
  readonly MaxAge?: number;
  readonly AllowCredentials?: boolean;
}

/**
 * Sets the CORS headers for `request` on `response` (before any writeHead); answers a preflight itself.
 * @returns true when the request was a preflight and has been answered.
 */
export function applyCors(
  cors: HttpApiCors | undefined,
  request: IncomingMessage,
  response: ServerResponse,
): boolean {
  if (!cors) return false;
  const origin = request.headers.origin;
  const allowed =
    origin !== undefined &&
    (cors.AllowOrigins ?? []).some((allowedOrigin) => allowedOrigin === '*' || allowedOrigin === origin);
  const preflight =
    request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
  if (allowed) {
    response.setHeader('access-control-allow-origin', cors.AllowOrigins?.includes('*') ? '*' : origin);
    response.setHeader('vary', 'Origin');
    if (cors.AllowCredentials) response.setHeader('access-control-allow-credentials', 'true');
    if (!preflight && cors.ExposeHeaders?.length) {
      response.setHeader('access-control-expose-headers', cors.ExposeHeaders.join(','));
    }
  }
  if (!preflight) return false;
  if (allowed) {
    const method = String(request.headers['access-control-request-method']).toUpperCase();
    if (
      (cors.AllowMethods ?? []).some((allowedMethod) => allowedMethod === '*' || allowedMethod === method)
    ) {
      response.setHeader('access-control-allow-methods', (cors.AllowMethods ?? []).join(','));
    }
    if (cors.AllowHeaders?.length)
      response.setHeader('access-control-allow-headers', cors.AllowHeaders.join(','));
    if (cors.MaxAge !== undefined) response.setHeader('access-control-max-age', String(cors.MaxAge));
  }
  response.writeHead(204);
  response.end();
  return true;
}
