import { createHmac } from 'node:crypto';
import { GenerateMacCommand, KMSClient, NotFoundException } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { KmsCodeHasher } from '../../lambdas/adapters/kms-code-hasher.ts';
import { codeMacMessage } from '../../lambdas/domain/otp-code.ts';

const kms = mockClient(KMSClient);
const KEY_ARN = 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const MAC = createHmac('sha256', 'test').update('message').digest();

const hasher = () => new KmsCodeHasher(new KMSClient({ region: 'eu-central-1' }), KEY_ARN);

beforeEach(() => {
  kms.reset();
});

describe('KmsCodeHasher', () => {
  it('asks KMS for an HMAC_SHA_256 of parcel and code under its key and returns it as lower-case hex', async () => {
    // Prepare
    kms
      .on(GenerateMacCommand)
      .resolves({ Mac: new Uint8Array(MAC), MacAlgorithm: 'HMAC_SHA_256', KeyId: KEY_ARN });

    // Act
    const hash = await hasher().hash('PCL-789', '482913');

    // Assess
    expect(hash).toBe(MAC.toString('hex'));
    const calls = kms.commandCalls(GenerateMacCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    expect(input).toMatchObject({ KeyId: KEY_ARN, MacAlgorithm: 'HMAC_SHA_256' });
    expect(Buffer.from(input?.Message ?? []).equals(Buffer.from(codeMacMessage('PCL-789', '482913')))).toBe(
      true,
    );
  });

  it('turns throttling and KMS faults into KeyServiceUnavailableError, without the code in the message', async () => {
    // Prepare
    const transient = [
      'ThrottlingException',
      'KMSInternalException',
      'DependencyTimeoutException',
      'KeyUnavailableException',
    ];

    for (const name of transient) {
      kms.reset();
      kms.on(GenerateMacCommand).rejects(Object.assign(new Error(`failed for 482913`), { name }));

      // Act
      const run = hasher().hash('PCL-789', '482913');

      // Assess
      await expect(run).rejects.toMatchObject({ name: 'KeyServiceUnavailableError' });
      await expect(run).rejects.not.toThrow('482913');
    }
  });

  it('lets a permanent error (unknown key) through unchanged', async () => {
    // Prepare
    kms
      .on(GenerateMacCommand)
      .rejects(new NotFoundException({ message: 'Key does not exist', $metadata: {} }));

    // Act
    const run = hasher().hash('PCL-789', '482913');

    // Assess
    await expect(run).rejects.toBeInstanceOf(NotFoundException);
  });

  it('fails loudly when KMS returns no MAC', async () => {
    // Prepare
    kms.on(GenerateMacCommand).resolves({});

    // Act
    const run = hasher().hash('PCL-789', '482913');

    // Assess
    await expect(run).rejects.toThrow('GenerateMac returned no MAC');
  });

  it('sends its request under the deadline it was given, and maps the abort to KeyServiceUnavailableError', async () => {
    // Prepare
    kms
      .on(GenerateMacCommand)
      .rejects(Object.assign(new Error('The operation was aborted'), { name: 'AbortError' }));
    const deadline = new AbortController().signal;

    // Act
    const run = hasher().withAbortSignal(deadline).hash('PCL-789', '482913');

    // Assess
    await expect(run).rejects.toMatchObject({ name: 'KeyServiceUnavailableError' });
    const options = (kms.send.getCall(0).args as unknown[])[1] as { abortSignal?: AbortSignal } | undefined;
    expect(options?.abortSignal).toBe(deadline);
  });
});
