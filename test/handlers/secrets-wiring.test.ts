import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { createEncryptionKey } from '../../lambdas/shared/secrets-wiring.ts';

const secrets = mockClient(SecretsManagerClient);
const SECRET_ARN = 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:otp-encryption-GhIjKl';

describe('createEncryptionKey', () => {
  it('gives each function its own client (one module-wide client outlived a sandbox and its endpoints)', async () => {
    // Prepare
    secrets.reset();
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 's'.repeat(64) });
    const first = createEncryptionKey({ OTP_ENCRYPTION_SECRET_ARN: SECRET_ARN });
    const second = createEncryptionKey({ OTP_ENCRYPTION_SECRET_ARN: SECRET_ARN });

    // Act
    await first();
    await second();

    // Assess
    const callers = secrets.commandCalls(GetSecretValueCommand).map((call) => call.thisValue);
    expect(callers).toHaveLength(2);
    expect(callers[0]).not.toBe(callers[1]);
  });
});
