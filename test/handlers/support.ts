import { createHmac } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  GenerateMacCommand,
  type KMSClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-kms';
import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import {
  GetSecretValueCommand,
  type ServiceInputTypes as SecretsInput,
  SecretsManagerClient,
  type SecretsManagerClientResolvedConfig,
  type ServiceOutputTypes as SecretsOutput,
} from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, expect, vi } from 'vitest';
import {
  type AppVariable,
  ENVIRONMENT,
  HANDLER_VARIABLES,
  type HandlerName,
  type HandlerVariable,
  type PlatformVariable,
  platformEnvironment,
} from '../../lambdas/contracts/environment.ts';
import type { RouteContract } from '../../lambdas/contracts/http/routes.ts';
import { deriveKey } from '../../lambdas/domain/keys.ts';
import type { OtpRecord, RecipientRecord } from '../../lambdas/domain/otp-record.ts';
import { httpErrorHandler } from '../../lambdas/shared/http-error-handler.ts';
import { lambdaHandler } from '../../lambdas/shared/runtime.ts';
import { TEST_MAC_KEY } from '../domain/fake-code-hasher.ts';
import { type LocalOtpTable, useOtpTables } from '../support/dynamodb-table.ts';
import {
  OTP_CODE,
  otpRecordHolding,
  RECIPIENT_EMAIL,
  RECIPIENT_NAME,
  uniqueParcelId,
} from '../support/fixtures.ts';

/** What the mocked Secrets Manager returns for the encryption secret. */
export const ENCRYPTION_SECRET = 'Pw4eQ7rT1yU8iO3pA6sD9fG2hJ5kL0zX'.repeat(2);
/** The AES key the handlers derive from {@link ENCRYPTION_SECRET}. */
export const ENCRYPTION_KEY = deriveKey(ENCRYPTION_SECRET, 'otp-encryption');

export const TABLE = 'secure-delivery-otp';
export const RECIPIENT_TABLE = 'secure-delivery-recipients';
/** The KMS HMAC key the hashing handlers are configured with. */
export const HASH_KEY_ARN = 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
export const ENCRYPTION_SECRET_ARN =
  'arn:aws:secretsmanager:eu-central-1:123456789012:secret:otp-encryption-GhIjKl';

/**
 * A test value for every variable a handler may read: the resources above, plausible names, and the
 * contract's own default for each setting that has one.
 */
export const TEST_VALUES: Readonly<Record<AppVariable, string>> = {
  OTP_TABLE_NAME: TABLE,
  RECIPIENT_TABLE_NAME: RECIPIENT_TABLE,
  OTP_HASH_KEY_ARN: HASH_KEY_ARN,
  OTP_ENCRYPTION_SECRET_ARN: ENCRYPTION_SECRET_ARN,
  SENDER_EMAIL: 'no-reply@secure-delivery.example.com',
  SES_CONFIGURATION_SET: 'secure-delivery',
  SMS_ORIGINATION_IDENTITY: 'pool-secure-delivery',
  SMS_CONFIGURATION_SET: 'secure-delivery-sms',
  SMS_PROTECT_CONFIGURATION_ID: 'protect-secure-delivery',
  SMS_MAX_PRICE: ENVIRONMENT.SMS_MAX_PRICE.default,
  // Handler tests text one fixture number many times; the limit itself has tests of its own.
  SMS_DAILY_LIMIT_PER_NUMBER: '100',
  EVENT_BUS_NAME: 'secure-delivery',
  EVENT_SOURCE: 'secure-delivery',
  ACCESS_TOKEN_SCOPES: 'secure-delivery/verify',
  DRIVER_IDENTITY_PROVIDER: ENVIRONMENT.DRIVER_IDENTITY_PROVIDER.default,
  DRIVER_ID_CLAIM: ENVIRONMENT.DRIVER_ID_CLAIM.default,
  DRIVER_ID_ATTRIBUTE: ENVIRONMENT.DRIVER_ID_ATTRIBUTE.default,
  OTP_THRESHOLDS: JSON.stringify({ EUR: 50_000 }),
  MAX_WRONG_ATTEMPTS_PER_CODE: String(ENVIRONMENT.MAX_WRONG_ATTEMPTS_PER_CODE.default),
  MAX_WRONG_ATTEMPTS_PER_PARCEL: String(ENVIRONMENT.MAX_WRONG_ATTEMPTS_PER_PARCEL.default),
  RECORD_RETENTION_DAYS: String(ENVIRONMENT.RECORD_RETENTION_DAYS.default),
  MAX_DELIVERY_DAYS_AHEAD: String(ENVIRONMENT.MAX_DELIVERY_DAYS_AHEAD.default),
  MAX_RESENDS_PER_CODE: String(ENVIRONMENT.MAX_RESENDS_PER_CODE.default),
  RESEND_LEASE_SECONDS: String(ENVIRONMENT.RESEND_LEASE_SECONDS.default),
  EMAIL_CLAIM_LEASE_SECONDS: String(ENVIRONMENT.EMAIL_CLAIM_LEASE_SECONDS.default),
  SMS_CLAIM_LEASE_SECONDS: String(ENVIRONMENT.SMS_CLAIM_LEASE_SECONDS.default),
  EMAIL_DELAYED_TIMEOUT_SECONDS: String(ENVIRONMENT.EMAIL_DELAYED_TIMEOUT_SECONDS.default),
};

/**
 * Values a test gives instead of the test values: only variables its handler reads (or platform ones);
 * `undefined` leaves a variable unset (an optional one, e.g. the SMS channel's).
 */
export type TestEnvironment<N extends HandlerName = HandlerName> = Partial<
  Record<HandlerVariable<N> | PlatformVariable, string | undefined>
>;

/**
 * The environment handler `name` gets from `lib/`, with test values: every variable the environment
 * contract says it reads (and only those), then `overrides`. An override naming a variable the handler
 * does not read throws, so a test's environment cannot drift from the contract.
 */
export function testEnvironment<N extends HandlerName>(
  name: N,
  overrides: TestEnvironment<N> = {},
): Record<string, string> {
  const declared: readonly AppVariable[] = HANDLER_VARIABLES[name];
  const platform = Object.keys(platformEnvironment(name));
  for (const variable of Object.keys(overrides)) {
    if (!(declared as readonly string[]).includes(variable) && !platform.includes(variable))
      throw new Error(`${name} does not read ${variable} (lambdas/contracts/environment.ts)`);
  }
  const values = Object.fromEntries(declared.map((variable) => [variable, TEST_VALUES[variable]]));
  const merged: Record<string, string | undefined> = { ...values, ...overrides };
  return Object.fromEntries(
    Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/** Environment every handler test sets before importing its handler. */
export function stubCommonEnv(): void {
  vi.stubEnv('AWS_REGION', 'eu-central-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
  vi.stubEnv('POWERTOOLS_DEV', 'false');
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
}

/**
 * Sets the common and the handler's own environment, then imports `lambdas/<name>/handler.ts` afresh
 * (handlers read their configuration at init, so the environment must be in place first; a fresh module
 * lets one file load a handler again, in a `describe` of its own, with another environment).
 */
export async function loadHandler<H>(name: string, env: Record<string, string>): Promise<H> {
  stubCommonEnv();
  vi.stubEnv('POWERTOOLS_SERVICE_NAME', name);
  for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
  vi.resetModules();
  const module = (await import(`../../lambdas/${name}/handler.ts`)) as { handler: H };
  return module.handler;
}

/** A minimal Lambda context: what middy and the Powertools logger read. */
export function lambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-central-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: 'c6af9ac6-7b61-41e6-9a41-93e8abcdefab',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/12/01/[$LATEST]abcdef',
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** What {@link handlerTest} gives a test file; read its members inside tests and hooks, not at import. */
export interface HandlerTest<H> {
  /** The handler, loaded once with the file's environment. */
  readonly handler: H;
  /** Everything the running test printed (the Powertools logger writes to stdout). */
  readonly output: ReturnType<typeof captureOutput>;
  /** A Lambda context naming the function. */
  readonly context: Context;
}

/**
 * Registers the hooks every handler test file needs: loads `lambdas/<name>/handler.ts` once with
 * {@link testEnvironment} and `env`'s overrides (or, given a function, exactly what it returns when the
 * handler loads, after earlier `beforeAll` hooks) and unstubs it after the
 * file; before each test resets `mocks`, fixes `Date` at `now` when given and captures output; after each
 * restores them. Register it before the file's own hooks.
 */
export function handlerTest<H>(
  name: HandlerName,
  env: TestEnvironment | (() => Record<string, string>) = {},
  options: { readonly mocks?: readonly { reset(): void }[]; readonly now?: Date } = {},
): HandlerTest<H> {
  let handler: H | undefined;
  let output: ReturnType<typeof captureOutput> | undefined;
  const context = lambdaContext(name);
  beforeAll(async () => {
    handler = await loadHandler<H>(name, typeof env === 'function' ? env() : testEnvironment(name, env));
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });
  beforeEach(() => {
    for (const mock of options.mocks ?? []) mock.reset();
    if (options.now) {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(options.now);
    }
    output = captureOutput();
  });
  afterEach(() => {
    output?.restore();
    if (options.now) vi.useRealTimers();
  });
  const loaded = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is set up in beforeAll/beforeEach`);
    return value;
  };
  return {
    get handler() {
      return loaded(handler, 'handler');
    },
    get output() {
      return loaded(output, 'output');
    },
    context,
  };
}

/** Collects everything written to stdout and stderr (the Powertools logger writes there) until restored. */
export function captureOutput(): { text(): string; lines(): string[]; restore(): void } {
  const chunks: string[] = [];
  const collect = (chunk: string | Uint8Array): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(collect);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(collect);
  return {
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line.trim() !== ''),
    restore: () => {
      stdout.mockRestore();
      stderr.mockRestore();
    },
  };
}

/** Narrows a handler result that may be a bare string to the structured HTTP response. */
export function structured<T>(result: T): Exclude<T, string> {
  if (typeof result === 'string' || result === null || typeof result !== 'object') {
    throw new Error(`expected a structured response, got ${JSON.stringify(result)}`);
  }
  return result as Exclude<T, string>;
}

/** Makes the mocked Secrets Manager answer the encryption secret, as the stack's secret holds it. */
export function answerEncryptionSecret(
  secrets: AwsStub<SecretsInput, SecretsOutput, SecretsManagerClientResolvedConfig>,
): void {
  secrets
    .on(GetSecretValueCommand, { SecretId: ENCRYPTION_SECRET_ARN })
    .resolves({ SecretString: ENCRYPTION_SECRET });
}

/** Makes the mocked KMS answer GenerateMac as KMS does: HMAC-SHA-256 of the message under the test key. */
export function answerGenerateMac(
  kms: AwsStub<ServiceInputTypes, ServiceOutputTypes, KMSClientResolvedConfig>,
): void {
  kms.on(GenerateMacCommand).callsFake((input: { KeyId?: string; Message?: Uint8Array }) => ({
    KeyId: input.KeyId,
    MacAlgorithm: 'HMAC_SHA_256',
    Mac: new Uint8Array(
      createHmac('sha256', TEST_MAC_KEY)
        .update(input.Message ?? new Uint8Array())
        .digest(),
    ),
  }));
}

/**
 * {@link handlerTest} with the code and recipient tables on dynalite (started first, stopped after the
 * file): the handler's DynamoDB client talks to them (AWS_ENDPOINT_URL_DYNAMODB), so a test seeds items
 * and asserts what the handler wrote, while the other services stay mocked.
 */
export function handlerTestOnTables<H>(
  name: HandlerName,
  env: TestEnvironment = {},
  options: { readonly mocks?: readonly { reset(): void }[]; readonly now?: Date } = {},
): HandlerTest<H> & { readonly tables: LocalOtpTable } {
  const tablesOf = useOtpTables();
  const test = handlerTest<H>(
    name,
    () => ({
      ...testEnvironment(name, env),
      OTP_TABLE_NAME: tablesOf().tableName,
      RECIPIENT_TABLE_NAME: tablesOf().recipientTableName,
      AWS_ENDPOINT_URL_DYNAMODB: tablesOf().endpoint,
    }),
    options,
  );
  return {
    get handler() {
      return test.handler;
    },
    get output() {
      return test.output;
    },
    context: test.context,
    get tables() {
      return tablesOf();
    },
  };
}

/** An HTTP API (payload 2.0) request to a recipient route, as API Gateway passes it after SigV4. */
export function recipientRequest(
  routeKey: string,
  parcelId: string,
  options: { readonly recipientEmail?: string; readonly body?: string } = {},
): APIGatewayProxyEventV2 {
  const [method = 'GET', route = '/'] = routeKey.split(' ');
  const path = route.replace('{parcelId}', parcelId);
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: {
      ...(options.recipientEmail === undefined ? {} : { 'x-recipient-email': options.recipientEmail }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    pathParameters: { parcelId },
    isBase64Encoded: false,
    ...(options.body === undefined ? {} : { body: options.body }),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api1234567',
      domainName: 'api1234567.execute-api.eu-central-1.amazonaws.com',
      domainPrefix: 'api1234567',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'shop-backend/1.0' },
      requestId: 'req-1',
      routeKey,
      stage: '$default',
      time: '01/Dec/2026:13:00:00 +0000',
      timeEpoch: Date.parse('2026-12-01T13:00:00Z'),
    },
  };
}

/** Stores a parcel of its own ({@link otpRecordHolding} of {@link OTP_CODE}, and its recipient); returns its id. */
async function storeParcel(
  tables: LocalOtpTable,
  overrides: Partial<OtpRecord>,
  recipient: Partial<RecipientRecord>,
): Promise<string> {
  const parcelId = uniqueParcelId();
  await tables.putParcel(otpRecordHolding(OTP_CODE, ENCRYPTION_KEY, { parcelId, ...overrides }), recipient);
  return parcelId;
}

/** A recipient route's answer, its body parsed. */
export type RouteAnswer = Exclude<APIGatewayProxyResultV2, string> & { json: Record<string, unknown> };

/**
 * {@link handlerTestOnTables} for a shop-backend recipient route (`routeKey`, e.g. `GET /parcels/{parcelId}/otp`):
 * the encryption secret answered from `secrets`, a parcel per test ({@link otpRecordHolding} of
 * {@link OTP_CODE}, and its recipient), and `call` sending the route's request as API Gateway would.
 */
export function recipientRouteTest(
  name: HandlerName,
  routeKey: string,
  env: TestEnvironment,
  options: {
    readonly secrets: AwsStub<SecretsInput, SecretsOutput, SecretsManagerClientResolvedConfig>;
    readonly mocks?: readonly { reset(): void }[];
    readonly now?: Date;
  },
) {
  type RouteHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;
  const test = handlerTestOnTables<RouteHandler>(name, env, {
    ...options,
    mocks: [options.secrets, ...(options.mocks ?? [])],
  });
  beforeEach(() => {
    answerEncryptionSecret(options.secrets);
  });
  return {
    test,
    /** Stores a parcel of its own (code and recipient) for this test; returns its id. */
    parcelWith: (overrides: Partial<OtpRecord> = {}, recipient: Partial<RecipientRecord> = {}) =>
      storeParcel(test.tables, overrides, recipient),
    /** Calls the route for `parcelId` as the shop backend (`recipientEmail` in X-Recipient-Email). */
    async call(
      parcelId: string,
      request: { readonly recipientEmail?: string; readonly body?: string } = {},
    ): Promise<RouteAnswer> {
      const response = structured(
        await test.handler(recipientRequest(routeKey, parcelId, request), test.context),
      );
      return { ...response, json: JSON.parse(response.body ?? '{}') as Record<string, unknown> };
    },
  };
}

/**
 * Registers hooks for testing a route's error middleware: the common environment and output captured per
 * test. `answerThrough(route, error)` is what the middleware answers when the route's handler, wrapped
 * as every HTTP handler is, throws `error`.
 */
export function errorMiddlewareTest() {
  let output: ReturnType<typeof captureOutput> | undefined;
  beforeEach(() => {
    stubCommonEnv();
    output = captureOutput();
  });
  afterEach(() => {
    output?.restore();
  });
  return {
    /** Everything the running test printed. */
    get output() {
      if (!output) throw new Error('output is set up in beforeEach');
      return output;
    },
    async answerThrough(route: RouteContract<string>, error: unknown) {
      const logger = new Logger({ serviceName: route.name });
      const handler = lambdaHandler<unknown, APIGatewayProxyResultV2>(logger, async () => {
        throw error;
      }).use(httpErrorHandler(route, logger));
      return structured(await handler({}, lambdaContext(route.name)));
    },
  };
}

/**
 * {@link handlerTestOnTables} for a handler that texts a code when its email fails (record-delivery,
 * sweep-delayed): Secrets Manager answers the encryption secret, SMS and EventBridge accept, per test;
 * `emailedParcel` stores a parcel whose code SES accepted (`overrides` say what SES reported since).
 */
export function smsFallbackTest<H>(name: HandlerName, env: TestEnvironment, options: { readonly now: Date }) {
  const secrets = mockClient(SecretsManagerClient);
  const sms = mockClient(PinpointSMSVoiceV2Client);
  const eventBridge = mockClient(EventBridgeClient);
  const test = handlerTestOnTables<H>(name, env, { mocks: [secrets, sms, eventBridge], now: options.now });
  beforeEach(() => {
    answerEncryptionSecret(secrets);
    sms.on(SendTextMessageCommand).resolves({ MessageId: 'sms-1' });
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'evt-1' }] });
  });
  const published = () =>
    eventBridge
      .commandCalls(PutEventsCommand)
      .flatMap((call) => call.args[0].input.Entries ?? [])
      .map((entry) => ({ ...entry, detail: JSON.parse(entry.Detail ?? '{}') as unknown }));
  return {
    test,
    sms,
    eventBridge,
    /** Stores a parcel of its own whose code email SES accepted as `msg-code`, and its recipient. */
    emailedParcel: (overrides: Partial<OtpRecord> = {}, recipient: Partial<RecipientRecord> = {}) =>
      storeParcel(test.tables, { emailStatus: 'SENT', emailMessageId: 'msg-code', ...overrides }, recipient),
    /** The texts sent in the running test. */
    texts: () => sms.commandCalls(SendTextMessageCommand).map((call) => call.args[0].input),
    /** The events published in the running test, each with its detail parsed. */
    published,
    /** Asserts that the one event published is Undeliverable for `parcelId`'s email, carrying no PII or code. */
    expectUndeliverableOnly(parcelId: string, reason: string): void {
      const entries = eventBridge
        .commandCalls(PutEventsCommand)
        .flatMap((call) => call.args[0].input.Entries ?? []);
      expect(
        entries.map((entry) => ({ ...entry, detail: JSON.parse(entry.Detail ?? '{}') as unknown })),
      ).toEqual([
        expect.objectContaining({
          EventBusName: 'secure-delivery',
          Source: 'secure-delivery',
          DetailType: 'Delivery Otp Undeliverable',
          detail: { parcelId, channel: 'EMAIL', reason },
        }),
      ]);
      const raw = JSON.stringify(
        eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input),
      );
      for (const secret of [RECIPIENT_EMAIL, RECIPIENT_NAME, OTP_CODE]) expect(raw).not.toContain(secret);
    },
  };
}
