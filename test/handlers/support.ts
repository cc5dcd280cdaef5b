import { createHmac } from 'node:crypto';
import {
  GenerateMacCommand,
  type KMSClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-kms';
import type { Context } from 'aws-lambda';
import type { AwsStub } from 'aws-sdk-client-mock';
import { vi } from 'vitest';
import type { OtpRecord } from '../../lambdas/domain/otp-record.ts';
import { TEST_MAC_KEY } from '../domain/fake-code-hasher.ts';

/** What the mocked Secrets Manager returns for the encryption secret. */
export const ENCRYPTION_SECRET = 'Pw4eQ7rT1yU8iO3pA6sD9fG2hJ5kL0zX'.repeat(2);

export const TABLE = 'secure-delivery-otp';
export const RECIPIENT_TABLE = 'secure-delivery-recipients';
/** The KMS HMAC key the hashing handlers are configured with. */
export const HASH_KEY_ARN = 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
export const ENCRYPTION_SECRET_ARN =
  'arn:aws:secretsmanager:eu-central-1:123456789012:secret:otp-encryption-GhIjKl';

/** Environment every handler test sets before importing its handler. */
export function stubCommonEnv(): void {
  vi.stubEnv('AWS_REGION', 'eu-central-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
  vi.stubEnv('POWERTOOLS_DEV', 'false');
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
}

/**
 * Sets the common and the handler's own environment, then imports `lambdas/<name>/handler.ts` (handlers
 * read their configuration at init, so the environment must be in place first).
 */
export async function loadHandler<H>(name: string, env: Record<string, string>): Promise<H> {
  stubCommonEnv();
  vi.stubEnv('POWERTOOLS_SERVICE_NAME', name);
  for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
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

/** A stored code record; hash and ciphertext default to placeholders that tests replace. */
export function otpRecord(overrides: Partial<OtpRecord> = {}): OtpRecord {
  return {
    parcelId: 'PCL-789',
    orderId: '123-456',
    issueId: '0b6f2f5e-3c1a-4d8e-9f00-1234567890ab',
    codeHash: '0'.repeat(64),
    codeCiphertext: 'AAAA',
    status: 'ISSUED',
    expiresAt: Date.parse('2026-12-01T23:00:00Z') / 1000,
    ttl: Date.parse('2026-12-31T23:00:00Z') / 1000,
    issuedAt: Date.parse('2026-11-28T09:00:00Z') / 1000,
    deliveryDate: '2026-12-01',
    wrongAttempts: 0,
    totalWrongAttempts: 0,
    driverId: 'driver-1',
    timeZone: 'Europe/Berlin',
    ...overrides,
  };
}

/** Narrows a handler result that may be a bare string to the structured HTTP response. */
export function structured<T>(result: T): Exclude<T, string> {
  if (typeof result === 'string' || result === null || typeof result !== 'object') {
    throw new Error(`expected a structured response, got ${JSON.stringify(result)}`);
  }
  return result as Exclude<T, string>;
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
