import { createHmac } from 'node:crypto';
import { type CodeHasher, codeMacMessage } from '../../lambdas/domain/otp-code.ts';

/** The key the tests' stand-in for KMS holds; KMS's HMAC_SHA_256 is plain HMAC-SHA-256 over the message. */
export const TEST_MAC_KEY = Buffer.from('test-mac-key-'.repeat(3).slice(0, 32), 'utf8');

/** Hex HMAC-SHA-256 of a code's MAC message, as KMS GenerateMac under {@link TEST_MAC_KEY} returns it. */
export function codeMac(parcelId: string, code: string, key: Uint8Array = TEST_MAC_KEY): string {
  return createHmac('sha256', key).update(codeMacMessage(parcelId, code)).digest('hex');
}

/** A {@link CodeHasher} that computes locally what the KMS adapter asks KMS for. */
export const testCodeHasher: CodeHasher = { hash: async (parcelId, code) => codeMac(parcelId, code) };
