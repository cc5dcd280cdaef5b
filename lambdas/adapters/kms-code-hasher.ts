import { GenerateMacCommand, type KMSClient } from '@aws-sdk/client-kms';
import { KeyServiceUnavailableError } from '../domain/errors.ts';
import { type CodeHasher, codeMacMessage } from '../domain/otp-code.ts';

/** KMS errors that say "not now" rather than "never": throttling, KMS's own faults, the caller's deadline. */
const TRANSIENT = new Set([
  'ThrottlingException',
  'KMSInternalException',
  'DependencyTimeoutException',
  'KeyUnavailableException',
  'AbortError',
]);

/**
 * Hashes codes with KMS `GenerateMac` (HMAC-SHA-256) under a key whose material never leaves KMS: no
 * function holds it, so a hash can only be checked one audited, rate-limited KMS request at a time.
 */
export class KmsCodeHasher implements CodeHasher {
  constructor(
    private readonly client: KMSClient,
    /** Key ARN, key id or alias of the HMAC_256 key with key usage GENERATE_VERIFY_MAC. */
    private readonly keyId: string,
    private readonly abortSignal?: AbortSignal,
  ) {}

  /** The same hasher, its requests abandoned once `signal` aborts (a handler's deadline). */
  withAbortSignal(signal: AbortSignal): KmsCodeHasher {
    return new KmsCodeHasher(this.client, this.keyId, signal);
  }

  async hash(parcelId: string, code: string): Promise<string> {
    try {
      const output = await this.client.send(
        new GenerateMacCommand({
          KeyId: this.keyId,
          MacAlgorithm: 'HMAC_SHA_256',
          Message: codeMacMessage(parcelId, code),
        }),
        { abortSignal: this.abortSignal },
      );
      if (!output.Mac) throw new Error('GenerateMac returned no MAC');
      return Buffer.from(output.Mac).toString('hex');
    } catch (error) {
      if (error instanceof Error && TRANSIENT.has(error.name))
        throw new KeyServiceUnavailableError(`GenerateMac failed: ${error.name}`, { cause: error });
      throw error;
    }
  }
}
