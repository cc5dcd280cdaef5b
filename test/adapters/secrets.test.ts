import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { cachedKey } from '../../lambdas/adapters/secrets.ts';
import { deriveKey } from '../../lambdas/domain/keys.ts';

const secrets = mockClient(SecretsManagerClient);
const SECRET_ID = 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:otp-encryption-AbCdEf';
const SECRET = 's'.repeat(64);

const client = () => new SecretsManagerClient({ region: 'eu-central-1' });

beforeEach(() => {
  secrets.reset();
});

describe('cachedKey', () => {
  it('fetches the secret once for concurrent first calls and derives the key for its purpose', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves({ SecretString: SECRET });
    const key = cachedKey(client(), SECRET_ID, 'otp-encryption');

    // Act
    const keys = await Promise.all([key(), key(), key(), key(), key()]);

    // Assess
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(secrets.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({ SecretId: SECRET_ID });
    const expected = Buffer.from(deriveKey(SECRET, 'otp-encryption'));
    for (const derived of keys) expect(Buffer.from(derived).equals(expected)).toBe(true);
  });

  it('serves later calls from the cache', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves({ SecretString: SECRET });
    const key = cachedKey(client(), SECRET_ID, 'otp-encryption');
    await key();

    // Act
    const again = await key();

    // Assess
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(Buffer.from(again).equals(Buffer.from(deriveKey(SECRET, 'otp-encryption')))).toBe(true);
  });

  it('does not cache a failed fetch: the next call fetches again', async () => {
    // Prepare
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }))
      .resolves({ SecretString: SECRET });
    const key = cachedKey(client(), SECRET_ID, 'otp-encryption');
    const failed = key();
    await expect(failed).rejects.toMatchObject({ name: 'ThrottlingException' });

    // Act
    const retried = await key();

    // Assess
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    expect(retried).toHaveLength(32);
  });

  it('rejects a secret without a string value, naming the purpose, and does not cache that', async () => {
    // Prepare
    secrets
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretBinary: new Uint8Array([1, 2, 3]) })
      .resolves({ SecretString: SECRET });
    const key = cachedKey(client(), SECRET_ID, 'otp-encryption');

    // Act
    const first = key();

    // Assess
    await expect(first).rejects.toThrow('Secret for otp-encryption has no string value');
    await expect(key()).resolves.toHaveLength(32);
  });

  it('rejects a secret that is too short to derive a key from', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'short' });
    const key = cachedKey(client(), SECRET_ID, 'otp-encryption');

    // Act
    const derived = key();

    // Assess
    await expect(derived).rejects.toThrow(/too short/);
  });
});
