import type { IncomingMessage } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { NodeSha256 } from '../../sandbox/emulators/http-api/sigv4.ts';
import {
  ADMINISTRATOR_POLICY,
  authenticate,
  type IssuedKey,
} from '../../sandbox/emulators/iam-authentication.ts';

const USER_KEY: IssuedKey = {
  secretAccessKey: 'user-secret',
  caller: {
    kind: 'user',
    userName: 'admin',
    principal: 'arn:aws:iam::000000000000:user/admin',
    policy: ADMINISTRATOR_POLICY,
  },
};
const ROLE_KEY: IssuedKey = {
  secretAccessKey: 'role-secret',
  sessionToken: 'role-token',
  caller: { kind: 'role', roleId: 'Role', principal: 'arn:aws:sts::000000000000:assumed-role/Role/Fn' },
};
const KEYS: Record<string, IssuedKey> = { AKIAUSER: USER_KEY, ASIAROLE: ROLE_KEY };
const BODY = '{"TableName":"Table"}';

/** A DynamoDB ListTables request as the SDK signs it, as the server sees it. */
async function signedRequest(
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  signingDate = new Date(),
): Promise<IncomingMessage> {
  const signer = new SignatureV4({
    credentials,
    region: 'eu-central-1',
    service: 'dynamodb',
    sha256: NodeSha256,
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 4010,
      path: '/',
      headers: {
        host: '127.0.0.1:4010',
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.ListTables',
      },
      body: BODY,
    },
    { signingDate },
  );
  const headers = Object.fromEntries(
    Object.entries(signed.headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
  return { method: 'POST', url: '/', headers } as unknown as IncomingMessage;
}

const check = (request: IncomingMessage) =>
  authenticate(request, Buffer.from(BODY), (accessKeyId) => KEYS[accessKeyId]);

describe('the AWS endpoint authenticates every request as AWS does', () => {
  it('accepts a user key without and a role key with its own session token, signed over the body', async () => {
    // Prepare
    const user = await signedRequest({ accessKeyId: 'AKIAUSER', secretAccessKey: 'user-secret' });
    const role = await signedRequest({
      accessKeyId: 'ASIAROLE',
      secretAccessKey: 'role-secret',
      sessionToken: 'role-token',
    });

    // Act
    const results = [await check(user), await check(role)];

    // Assess
    expect(results).toEqual([{ caller: USER_KEY.caller }, { caller: ROLE_KEY.caller }]);
  });

  it('refuses an unsigned request with MissingAuthenticationToken and a header that is no SigV4 with IncompleteSignature', async () => {
    // Prepare
    const unsigned = {
      method: 'POST',
      url: '/',
      headers: { host: '127.0.0.1:4010' },
    } as unknown as IncomingMessage;
    const malformed = {
      method: 'POST',
      url: '/',
      headers: { host: '127.0.0.1:4010', authorization: 'AWS4-HMAC-SHA256 Credential=AKIAUSER' },
    } as unknown as IncomingMessage;

    // Act
    const results = [await check(unsigned), await check(malformed)];

    // Assess
    expect(results.map((result) => ('failure' in result ? result.failure : 'accepted'))).toEqual([
      'MissingAuthenticationToken',
      'IncompleteSignature',
    ]);
  });

  it('refuses a key nobody issued, a long-term key with a made-up session token and a role key with another token as UnrecognizedClient', async () => {
    // Prepare
    const requests = [
      await signedRequest({ accessKeyId: 'AKIAOTHER', secretAccessKey: 'user-secret' }),
      await signedRequest({
        accessKeyId: 'AKIAUSER',
        secretAccessKey: 'user-secret',
        sessionToken: 'made-up',
      }),
      await signedRequest({
        accessKeyId: 'ASIAROLE',
        secretAccessKey: 'role-secret',
        sessionToken: 'another',
      }),
      await signedRequest({ accessKeyId: 'ASIAROLE', secretAccessKey: 'role-secret' }),
    ];

    // Act
    const results = await Promise.all(requests.map(check));

    // Assess
    expect(results).toEqual(
      Array(4).fill({
        failure: 'UnrecognizedClient',
        message: 'The security token included in the request is invalid.',
      }),
    );
  });

  it('refuses a wrong secret, an altered body and a signature older than 15 minutes as InvalidSignature', async () => {
    // Prepare
    const wrongSecret = await signedRequest({ accessKeyId: 'AKIAUSER', secretAccessKey: 'guessed' });
    const good = await signedRequest({ accessKeyId: 'AKIAUSER', secretAccessKey: 'user-secret' });
    const old = await signedRequest(
      { accessKeyId: 'AKIAUSER', secretAccessKey: 'user-secret' },
      new Date(Date.now() - 16 * 60 * 1000),
    );

    // Act
    const results = [
      await check(wrongSecret),
      await authenticate(good, Buffer.from('{"TableName":"Other"}'), (key) => KEYS[key]),
      await check(old),
    ];

    // Assess
    expect(results.map((result) => ('failure' in result ? result.failure : 'accepted'))).toEqual([
      'InvalidSignature',
      'InvalidSignature',
      'InvalidSignature',
    ]);
    expect(results[2]).toMatchObject({
      message: expect.stringMatching(/^Signature expired: \d{8}T\d{6}Z is now earlier than/),
    });
  });
});
