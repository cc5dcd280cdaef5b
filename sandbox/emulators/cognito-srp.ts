/**
 * Cognito's Secure Remote Password (SRP-6a) sign-in, both sides: the 3072-bit group of RFC 5054, `g = 2`,
 * SHA-256, Cognito's hex padding, the `Caldera Derived Key` HKDF and the password-claim signature over pool
 * name, user id, secret block and timestamp (as the AWS SDKs' and Amplify's SRP helpers compute them). The
 * user pool emulator verifies with it; a sandbox client signs in with it, as a native handheld does.
 */
import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

const N = BigInt(
  `0x${[
    'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD',
    'EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED',
    'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F',
    '83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B',
    'E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510',
    '15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7',
    'ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C',
    'BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF',
  ].join('')}`,
);
const G = 2n;

/** `base^exponent mod N`. */
function modPow(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = ((base % N) + N) % N;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % N;
    b = (b * b) % N;
    e >>= 1n;
  }
  return result;
}

/** Cognito's hex form: even length, and a leading `00` when the top bit is set (a positive number). */
export function padHex(value: bigint): string {
  const hex = value.toString(16);
  const even = hex.length % 2 === 1 ? `0${hex}` : hex;
  return /^[89a-f]/i.test(even) ? `00${even}` : even;
}

const sha256Hex = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const hexHash = (hex: string) => sha256Hex(Buffer.from(hex, 'hex'));
const toBigInt = (hex: string) => BigInt(`0x${hex}`);

const K = toBigInt(hexHash(`${padHex(N)}${padHex(G)}`));

/** The private value x: the salt and the hash of pool name, user id and password. */
function privateKey(poolName: string, userId: string, password: string, saltHex: string): bigint {
  const userHash = sha256Hex(`${poolName}${userId}:${password}`).padStart(64, '0');
  return toBigInt(hexHash(`${padHex(toBigInt(saltHex))}${userHash}`));
}

/** The scrambling parameter u = H(A | B). */
const scrambler = (a: bigint, b: bigint) => toBigInt(hexHash(`${padHex(a)}${padHex(b)}`));

/** The 16-byte key both sides derive from the shared secret S. */
const derivedKey = (secret: bigint, u: bigint) =>
  Buffer.from(
    hkdfSync(
      'sha256',
      Buffer.from(padHex(secret), 'hex'),
      Buffer.from(padHex(u), 'hex'),
      'Caldera Derived Key',
      16,
    ),
  );

/** The password claim: HMAC-SHA256 over pool name, user id, secret block and timestamp, Base64. */
function claimSignature(
  key: Buffer,
  claim: { poolName: string; userId: string; secretBlock: string; timestamp: string },
): string {
  return createHmac('sha256', key)
    .update(
      Buffer.concat([
        Buffer.from(claim.poolName, 'utf8'),
        Buffer.from(claim.userId, 'utf8'),
        Buffer.from(claim.secretBlock, 'base64'),
        Buffer.from(claim.timestamp, 'utf8'),
      ]),
    )
    .digest('base64');
}

/** The pool name SRP hashes: the part of the pool id after the Region and `_`. */
export const srpPoolName = (userPoolId: string) => userPoolId.split('_')[1] ?? userPoolId;

/** Cognito's TIMESTAMP form, `Tue Sep 3 07:05:09 UTC 2024`. */
export function srpTimestamp(now = new Date()): string {
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][now.getUTCDay()];
  const month = now.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const time = [now.getUTCHours(), now.getUTCMinutes(), now.getUTCSeconds()]
    .map((part) => String(part).padStart(2, '0'))
    .join(':');
  return `${day} ${month} ${now.getUTCDate()} ${time} UTC ${now.getUTCFullYear()}`;
}

/** The server's half of one sign-in: what it sends (salt, B) and what it keeps to check the claim. */
export interface SrpServerChallenge {
  readonly saltHex: string;
  readonly serverPublicHex: string;
  /** Checks the client's password-claim signature for this challenge. */
  verify(claim: {
    clientPublicHex: string;
    secretBlock: string;
    timestamp: string;
    signature: string;
  }): boolean;
}

/** The server's challenge for `userId` whose password is `password` (the sandbox derives its verifier). */
export function srpServerChallenge(poolName: string, userId: string, password: string): SrpServerChallenge {
  const saltHex = randomBytes(16).toString('hex');
  const verifier = modPow(G, privateKey(poolName, userId, password, saltHex));
  const b = toBigInt(randomBytes(128).toString('hex'));
  const serverPublic = (K * verifier + modPow(G, b)) % N;
  return {
    saltHex,
    serverPublicHex: serverPublic.toString(16),
    verify({ clientPublicHex, secretBlock, timestamp, signature }) {
      const clientPublic = toBigInt(clientPublicHex);
      if (clientPublic % N === 0n) return false;
      const u = scrambler(clientPublic, serverPublic);
      const secret = modPow(clientPublic * modPow(verifier, u), b);
      const expected = claimSignature(derivedKey(secret, u), { poolName, userId, secretBlock, timestamp });
      const given = Buffer.from(signature, 'base64');
      const wanted = Buffer.from(expected, 'base64');
      return given.length === wanted.length && timingSafeEqual(given, wanted);
    },
  };
}

/** The client's half: its public value A, then the claim for the server's challenge. */
export function srpClient(poolName: string, password: string) {
  const a = toBigInt(randomBytes(128).toString('hex'));
  const clientPublic = modPow(G, a);
  return {
    /** SRP_A. */
    clientPublicHex: clientPublic.toString(16),
    /** PASSWORD_CLAIM_SIGNATURE for the server's PASSWORD_VERIFIER challenge parameters. */
    claim(challenge: {
      userId: string;
      saltHex: string;
      serverPublicHex: string;
      secretBlock: string;
      timestamp: string;
    }) {
      const serverPublic = toBigInt(challenge.serverPublicHex);
      const u = scrambler(clientPublic, serverPublic);
      const x = privateKey(poolName, challenge.userId, password, challenge.saltHex);
      const secret = modPow(serverPublic - K * modPow(G, x), a + u * x);
      return claimSignature(derivedKey(secret, u), { poolName, ...challenge });
    },
  };
}
