import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { type DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { RESEND_PATH, routePath, TRACK_PATH, VERIFY_PATH } from '../../lambdas/contracts/http/paths.ts';
import { RESEND_ROUTE, TRACK_ROUTE } from '../../lambdas/contracts/http/routes.ts';
import { ParcelShippedDetailExample } from '../../lambdas/domain/events/carrier-events.ts';
import { srpClient, srpPoolName, srpTimestamp } from '../emulators/cognito-srp.ts';
import { executeApiSigner } from '../emulators/http-api/sigv4.ts';
import type { SandboxEndpoints } from './sandbox.ts';
import { SANDBOX_DRIVER_PASSWORD } from './settings.ts';

/**
 * The event contract's example `Parcel Shipped` detail for `parcelId`: its own order, its own recipient
 * address (`<parcelId>@example.com`), delivery tomorrow; `overrides` replace whole fields, for demos and tests.
 */
export function shippedDetail(
  parcelId: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  const example = structuredClone(ParcelShippedDetailExample);
  return {
    ...example,
    parcelId,
    orderId: `O-${parcelId}`,
    recipient: { ...example.recipient, email: `${parcelId.toLowerCase()}@example.com` },
    expectedDeliveryDate: tomorrow,
    ...overrides,
  };
}

/** Name of the table whose logical id in the template is `logicalId`, as ListTables reports it. */
async function tableNamed(ddb: DynamoDBClient, logicalId: string): Promise<string> {
  const tables = (await ddb.send(new ListTablesCommand({}))).TableNames ?? [];
  const name = tables.find((candidate) => candidate.startsWith(logicalId));
  if (!name) throw new Error(`No ${logicalId} among ${tables.join(', ')}`);
  return name;
}

/** Name of the code table (the template's OtpTable), as ListTables reports it. */
export function otpTableName(ddb: DynamoDBClient): Promise<string> {
  return tableNamed(ddb, 'OtpTable');
}

/** Name of the recipient table (the template's RecipientTable), as ListTables reports it. */
export function recipientTableName(ddb: DynamoDBClient): Promise<string> {
  return tableNamed(ddb, 'RecipientTable');
}

/** A workflow execution as the sandbox's inspection endpoint lists it (dates in epoch seconds). */
export interface ExecutionView {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  readonly startDate: number;
  readonly stopDate?: number;
  readonly input: string;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
}

/**
 * `headers` (with `host`) SigV4-signed for execute-api, as the shop backend signs a request: `method` on
 * `url` carrying `body`.
 */
export async function signedApiHeaders(
  endpoints: Pick<SandboxEndpoints, 'iam' | 'region'>,
  method: string,
  url: URL,
  headers: Record<string, string>,
  body?: string | Buffer,
): Promise<Record<string, string>> {
  const signed = await executeApiSigner(endpoints.iam, endpoints.region).sign({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  return signed.headers;
}

/** What a carrier system and a driver's device do, through the AWS SDK and HTTP only. */
export class SandboxClient {
  readonly events: EventBridgeClient;

  constructor(readonly endpoints: SandboxEndpoints) {
    this.events = new EventBridgeClient({
      endpoint: endpoints.eventsEndpoint,
      region: endpoints.region,
      credentials: endpoints.credentials,
    });
  }

  /** Publishes carrier events (one PutEvents call); throws if any entry failed. */
  async publish(entries: { detailType: string; detail: unknown }[]): Promise<string[]> {
    const output = await this.events.send(
      new PutEventsCommand({
        Entries: entries.map((entry) => ({
          EventBusName: this.endpoints.eventBusName,
          Source: this.endpoints.eventSource,
          DetailType: entry.detailType,
          Detail: JSON.stringify(entry.detail),
        })),
      }),
    );
    if (output.FailedEntryCount) throw new Error(`PutEvents failed: ${JSON.stringify(output.Entries)}`);
    return (output.Entries ?? []).map((entry) => entry.EventId ?? '');
  }

  /**
   * A driver's access token from the local issuer, as signing in to the pool gives it (the pool's
   * pre-token-generation trigger adds the verify scope); `tokenUse: 'id'` asks for the ID token instead,
   * and `claims` overrides claims of the signed token (`null` removes one).
   */
  async driverToken(
    driverId: string,
    options: { tokenUse?: 'access' | 'id'; claims?: Record<string, unknown> } = {},
  ): Promise<string> {
    const response = await fetch(this.endpoints.driverTokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ driverId, ...options }),
    });
    if (!response.ok) throw new Error(`Token request failed: ${response.status}`);
    return ((await response.json()) as { token: string }).token;
  }

  /**
   * Signs a driver in as the carrier's handheld does: Cognito's SRP flow through the SDK (`InitiateAuth`
   * `USER_SRP_AUTH`, then the `PASSWORD_VERIFIER` challenge), sending `UserContextData` with the device data
   * threat protection judges the sign-in by (on a real handheld, what Cognito's data-collection library
   * returns). Answers the AuthenticationResult, or throws the SDK's error (`NotAuthorizedException`, …).
   */
  async handheldSignIn(
    driverId: string,
    options: { readonly password?: string; readonly contextData?: Record<string, unknown> } = {},
  ): Promise<{ accessToken: string; idToken: string; refreshToken: string }> {
    const { driverUserPoolId: poolId, driverClientId: clientId } = this.endpoints;
    if (!poolId || !clientId)
      throw new Error('The sandbox has no handheld client (drivers are not Cognito users)');
    const cognito = new CognitoIdentityProviderClient({
      endpoint: this.endpoints.eventsEndpoint,
      region: this.endpoints.region,
      credentials: this.endpoints.credentials,
    });
    try {
      const srp = srpClient(srpPoolName(poolId), options.password ?? SANDBOX_DRIVER_PASSWORD);
      const UserContextData = {
        EncodedData: Buffer.from(
          JSON.stringify(
            options.contextData ?? { username: driverId, userPoolId: poolId, device: 'sandbox-handheld' },
          ),
        ).toString('base64'),
      };
      const started = await cognito.send(
        new InitiateAuthCommand({
          AuthFlow: 'USER_SRP_AUTH',
          ClientId: clientId,
          AuthParameters: { USERNAME: driverId, SRP_A: srp.clientPublicHex },
          UserContextData,
        }),
      );
      const challenge = started.ChallengeParameters ?? {};
      const timestamp = srpTimestamp();
      const signature = srp.claim({
        userId: challenge.USER_ID_FOR_SRP ?? driverId,
        saltHex: challenge.SALT ?? '',
        serverPublicHex: challenge.SRP_B ?? '',
        secretBlock: challenge.SECRET_BLOCK ?? '',
        timestamp,
      });
      const answered = await cognito.send(
        new RespondToAuthChallengeCommand({
          ClientId: clientId,
          ChallengeName: 'PASSWORD_VERIFIER',
          ChallengeResponses: {
            USERNAME: challenge.USER_ID_FOR_SRP ?? driverId,
            PASSWORD_CLAIM_SECRET_BLOCK: challenge.SECRET_BLOCK ?? '',
            PASSWORD_CLAIM_SIGNATURE: signature,
            TIMESTAMP: timestamp,
          },
          UserContextData,
        }),
      );
      const result = answered.AuthenticationResult;
      return {
        accessToken: result?.AccessToken ?? '',
        idToken: result?.IdToken ?? '',
        refreshToken: result?.RefreshToken ?? '',
      };
    } finally {
      cognito.destroy();
    }
  }

  /** POST /parcels/{id}/verify as the handheld does. */
  async verify(
    parcelId: string,
    body: unknown,
    token?: string,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${this.endpoints.apiUrl}${routePath(VERIFY_PATH, { parcelId })}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  /**
   * Calls a recipient route as the shop backend does: SigV4-signed (service execute-api) with the
   * recipient in `X-Recipient-Email`. `signed: false` sends it unsigned.
   */
  async recipientRequest(
    method: 'GET' | 'POST',
    path: string,
    recipientEmail: string,
    options: {
      /** Sign as the shop backend (SigV4, execute-api); default true. */
      readonly signed?: boolean;
      /** A JSON body. */
      readonly body?: unknown;
    } = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const { signed = true, body } = options;
    const url = new URL(path, this.endpoints.apiUrl);
    const text = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = {
      host: url.host,
      'x-recipient-email': recipientEmail,
      ...(text === undefined ? {} : { 'content-type': 'application/json' }),
    };
    const response = await fetch(url, {
      method,
      headers: signed ? await signedApiHeaders(this.endpoints, method, url, headers, text) : headers,
      ...(text === undefined ? {} : { body: text }),
    });
    const answer = await response.text();
    return { status: response.status, body: answer ? (JSON.parse(answer) as Record<string, unknown>) : {} };
  }

  /** Track Package: the recipient's current code for `parcelId`, asked as the shop backend does. */
  track(
    parcelId: string,
    recipientEmail: string,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    return this.recipientRequest(TRACK_ROUTE.method, routePath(TRACK_PATH, { parcelId }), recipientEmail);
  }

  /** Has the current code of `parcelId` sent again, by email or (`{ channel: 'SMS' }`) by SMS. */
  resend(
    parcelId: string,
    recipientEmail: string,
    body?: { channel: string },
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const path = routePath(RESEND_PATH, { parcelId });
    return this.recipientRequest(RESEND_ROUTE.method, path, recipientEmail, { body });
  }

  /** Emails the SES emulator holds for `to`. */
  async emailsTo(to: string): Promise<{ subject: string; text: string; html: string }[]> {
    const response = await fetch(`${this.endpoints.sesEndpoint}/store`);
    const store = (await response.json()) as {
      emails: { destination: { to: string[] }; subject: string; body: { text?: string; html?: string } }[];
    };
    return store.emails
      .filter((email) => email.destination.to.includes(to))
      .map((email) => ({ subject: email.subject, text: email.body.text ?? '', html: email.body.html ?? '' }));
  }

  /** Waits until `to` has at least `count` emails (default 1) or `timeoutMs` passes (default 10 s), and returns them. */
  async waitForEmails(
    to: string,
    { count = 1, timeoutMs = 10_000 }: { readonly count?: number; readonly timeoutMs?: number } = {},
  ): Promise<{ subject: string; text: string; html: string }[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const emails = await this.emailsTo(to);
      if (emails.length >= count || Date.now() > deadline) return emails;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /**
   * Every workflow execution so far, from the sandbox's inspection endpoint (Step Functions keeps no
   * history of Express executions: DescribeExecution and ListExecutions refuse them, as in AWS).
   */
  async executions(): Promise<ExecutionView[]> {
    const response = await fetch(this.endpoints.inspectExecutionsUrl);
    return ((await response.json()) as { executions: ExecutionView[] }).executions;
  }

  /** Events the bus accepted (the sandbox's inspection endpoint). */
  async busEvents(): Promise<
    {
      id: string;
      'detail-type': string;
      source: string;
      resources: string[];
      detail: Record<string, unknown>;
    }[]
  > {
    const response = await fetch(this.endpoints.inspectUrl);
    return ((await response.json()) as { events: never[] }).events;
  }

  /** Has the bus deliver an event it accepted once more, same id (EventBridge delivers at least once). */
  async redeliver(eventId: string): Promise<void> {
    const response = await fetch(new URL('/_sandbox/events/redeliver', this.endpoints.eventsEndpoint), {
      method: 'POST',
      body: JSON.stringify({ id: eventId }),
    });
    if (response.status !== 202) throw new Error(`Redelivery of ${eventId} failed: ${response.status}`);
  }
}

/** The 6-digit code in an email body (the line after the code label). */
export function codeFromEmail(text: string): string | undefined {
  return /\b(\d{6})\b/.exec(text)?.[1];
}
