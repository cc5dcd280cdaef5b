import type { IncomingMessage, ServerResponse } from 'node:http';
import { relay } from './aws-endpoint.ts';
import { sendJson } from './aws-protocol.ts';
import type { Emulators } from './emulators.ts';
import type { LocalEventBus } from './eventbridge/bus.ts';
import { handleIssuerRequest } from './http-api/issuer-endpoints.ts';
import type { LocalJwtIssuer } from './http-api/jwt-issuer.ts';
import { inboxPage, type StoredEmail } from './inbox-page.ts';
import { executionView } from './stepfunctions-operations.ts';

/** One request as a route sees it: the request, its URL and its body, and where the answer goes. */
export interface RouteRequest {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly url: URL;
  readonly body: Buffer;
}

/**
 * A route of the AWS endpoint that is not an `X-Amz-Target` operation: which service answers it, which
 * requests it takes, and its handler (false: not this route's after all, the next one is asked).
 */
export interface AwsRoute {
  readonly service: string;
  matches(url: URL, method: string): boolean;
  handle(route: RouteRequest): Promise<boolean> | boolean;
}

/** What the routes answer from; `sesBackend` is where aws-ses-v2-local keeps its email store. */
export type AwsRouteServices = Pick<
  Emulators,
  'bus' | 'stepFunctions' | 'sms' | 'issuers' | 'managedLogins' | 'oidcProviders'
> & {
  readonly sesBackend: string;
};

/** The paths of aws-ses-v2-local's email store, answered where tools read them (the endpoint's root). */
const EMAIL_STORE_PATHS = new Set(['/store', '/clear-store', '/get-emlContent', '/health-check']);

const at = (path: string, method?: string) => (url: URL, verb: string) =>
  url.pathname === path && (method === undefined || verb === method);

const answer = (status: number, body: unknown) => (route: RouteRequest) => {
  sendJson(route.response, status, body);
  return true;
};

/**
 * The AWS endpoint's route table for unsigned requests, first match first: the sandbox's own views
 * (`/_sandbox/*`: events, redelivery, schedules, the inbox of emails and SMS, executions), the email
 * store (`/store`, `/clear-store`), each managed-login domain and OIDC provider, then the Cognito
 * issuers.
 */
export function awsRoutes(services: AwsRouteServices): readonly AwsRoute[] {
  const { bus, stepFunctions, sms } = services;
  return [
    {
      service: 'events',
      matches: at('/_sandbox/events'),
      handle: (route) =>
        answer(200, { events: bus.events.map(({ busName: _bus, ...event }) => event) })(route),
    },
    // Sandbox-only: EventBridge's at-least-once delivery made visible (a duplicate, or a late copy).
    {
      service: 'events',
      matches: at('/_sandbox/events/redeliver', 'POST'),
      handle: (route) => redeliver(bus, route),
    },
    {
      service: 'events',
      matches: at('/_sandbox/schedules/run', 'POST'),
      // Sandbox-only: fires the scheduled rules now instead of at their next period.
      handle: async (route) =>
        answer(200, { fired: await bus.fireScheduled(route.url.searchParams.get('rule') ?? undefined) })(
          route,
        ),
    },
    { service: 'sms', matches: at('/_sandbox/sms'), handle: (route) => answer(200, sms.inbox())(route) },
    {
      service: 'ses',
      matches: (url, method) =>
        method === 'GET' && ['/', '/_sandbox/inbox', '/_sandbox/sms/page'].includes(url.pathname),
      handle: (route) => inbox(services, route),
    },
    {
      service: 'ses',
      matches: (url) => EMAIL_STORE_PATHS.has(url.pathname),
      handle: async (route) => {
        await relay(services.sesBackend, route);
        return true;
      },
    },
    {
      service: 'states',
      matches: at('/_sandbox/executions'),
      handle: (route) =>
        answer(200, { executions: [...stepFunctions.executions.values()].map(executionView) })(route),
    },
    ...services.managedLogins.map(
      (managedLogin): AwsRoute => ({
        service: 'cognito-idp',
        matches: () => true,
        handle: ({ request, response, body }) => managedLogin.handle(request, response, body),
      }),
    ),
    ...[...services.oidcProviders.values()].map(
      (provider): AwsRoute => ({
        service: 'oidc',
        matches: (url) => url.pathname.startsWith('/oidc/'),
        handle: ({ request, response, body }) => provider.handle(request, response, body),
      }),
    ),
    {
      service: 'cognito-idp',
      matches: (url) => url.pathname.startsWith('/cognito/'),
      handle: (route) => issuerAnswer(services.issuers, route),
    },
  ];
}

/** Answers from the first route that matches and takes the request; false when none does. */
export async function routeAwsRequest(routes: readonly AwsRoute[], route: RouteRequest): Promise<boolean> {
  const method = route.request.method ?? 'GET';
  for (const candidate of routes) {
    if (candidate.matches(route.url, method) && (await candidate.handle(route))) return true;
  }
  return false;
}

/** The inbox page: the email store's messages and the SMS endpoint's, side by side. */
async function inbox(services: AwsRouteServices, { response, url }: RouteRequest): Promise<boolean> {
  const store = (await (await fetch(`${services.sesBackend}/store`)).json()) as { emails?: StoredEmail[] };
  const page = inboxPage({
    emails: store.emails ?? [],
    texts: services.sms.inbox(),
    links: { emails: new URL('/store', url).href, texts: new URL('/_sandbox/sms', url).href },
  });
  response.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(page),
  });
  response.end(page);
  return true;
}

function redeliver(bus: LocalEventBus, route: RouteRequest): boolean {
  let eventId = '';
  try {
    eventId = String(JSON.parse(route.body.toString('utf8') || '{}').id ?? '');
  } catch {
    // answered below as not found
  }
  const found = bus.redeliver(eventId);
  return answer(found ? 202 : 404, found ? { redelivered: eventId } : { message: 'No such event' })(route);
}

/** The first issuer that answers the path (`/cognito/token` is every issuer's token endpoint). */
async function issuerAnswer(
  issuers: ReadonlyMap<string, LocalJwtIssuer>,
  route: RouteRequest,
): Promise<boolean> {
  const path = route.url.pathname === '/cognito/token' ? '/token' : route.url.pathname;
  for (const issuer of issuers.values()) {
    const issued = await handleIssuerRequest(
      issuer,
      route.request.method ?? 'GET',
      path,
      route.body.toString('utf8'),
    );
    if (issued) return answer(issued.status, issued.body)(route);
  }
  return false;
}
