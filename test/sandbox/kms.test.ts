import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import {
  DescribeKeyCommand,
  GenerateMacCommand,
  InvalidKeyUsageException,
  KMSClient,
  KMSInvalidMacException,
  ListKeysCommand,
  NotFoundException,
  VerifyMacCommand,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsJsonError } from '../../sandbox/emulators/aws-protocol.ts';
import { createAwsRequestHandler } from '../../sandbox/emulators/aws-server.ts';
import type { KmsCall } from '../../sandbox/emulators/kms.ts';
import { SandboxLog } from '../../sandbox/emulators/log.ts';
import { close, listen } from '../../sandbox/emulators/net.ts';
import { type Template, TemplateResolver } from '../../sandbox/emulators/template.ts';

const ENV = { region: 'eu-central-1', accountId: '000000000000', stackName: 'KmsTest' };
const TEMPLATE: Template = {
  Resources: {
    MacKey: { Type: 'AWS::KMS::Key', Properties: { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' } },
    OtherMacKey: {
      Type: 'AWS::KMS::Key',
      Properties: { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' },
    },
    EncryptionKey: { Type: 'AWS::KMS::Key', Properties: {} },
    DisabledMacKey: {
      Type: 'AWS::KMS::Key',
      Properties: { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Enabled: false },
    },
    MacAlias: {
      Type: 'AWS::KMS::Alias',
      Properties: { AliasName: 'alias/codes', TargetKeyId: { Ref: 'MacKey' } },
    },
  },
};
const resolver = new TemplateResolver(TEMPLATE, ENV);
const MESSAGE = new Uint8Array(Buffer.from('PCL-1\u0000123456'));

let server: Server;
let kms: KMSClient;
/** Every call the authorization hook saw, and an ARN it refuses. */
const calls: KmsCall[] = [];
let refusedArn: string | undefined;

beforeAll(async () => {
  server = createServer(
    createAwsRequestHandler({
      resolver,
      bus: {} as never,
      stepFunctions: {} as never,
      sms: {} as never,
      log: new SandboxLog(() => undefined),
      fallback: async () => false,
      authorizeKms: (call) => {
        calls.push(call);
        if (call.resource === refusedArn)
          throw new AwsJsonError('AccessDeniedException', `not authorized to perform ${call.action}`);
      },
    }),
  );
  const port = await listen(server, 0, 'KMS test');
  kms = new KMSClient({
    region: ENV.region,
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

afterAll(async () => {
  kms.destroy();
  await close(server);
});

const mac = async (keyId: string, message = MESSAGE) =>
  (await kms.send(new GenerateMacCommand({ KeyId: keyId, Message: message, MacAlgorithm: 'HMAC_SHA_256' })))
    .Mac;

describe('sandbox KMS', () => {
  it('answers GenerateMac with the same HMAC-SHA-256 for the same key and message, by id, ARN or alias', async () => {
    // Prepare
    const keyId = resolver.ref('MacKey');
    const keyArn = resolver.arn('MacKey');

    // Act
    const output = await kms.send(
      new GenerateMacCommand({ KeyId: keyId, Message: MESSAGE, MacAlgorithm: 'HMAC_SHA_256' }),
    );
    const byArn = await mac(keyArn);
    const byAlias = await mac('alias/codes');
    const byAliasArn = await mac(`arn:aws:kms:${ENV.region}:${ENV.accountId}:alias/codes`);

    // Assess
    expect(output.KeyId).toBe(keyArn);
    expect(output.MacAlgorithm).toBe('HMAC_SHA_256');
    expect(output.Mac).toHaveLength(32);
    for (const other of [byArn, byAlias, byAliasArn])
      expect(Buffer.from(other ?? [])).toEqual(Buffer.from(output.Mac ?? []));
  });

  it('gives another key and another message another MAC', async () => {
    // Act
    const reference = Buffer.from((await mac(resolver.ref('MacKey'))) ?? []);
    const otherKey = Buffer.from((await mac(resolver.ref('OtherMacKey'))) ?? []);
    const otherMessage = Buffer.from((await mac(resolver.ref('MacKey'), new Uint8Array([1]))) ?? []);

    // Assess
    expect(otherKey.equals(reference)).toBe(false);
    expect(otherMessage.equals(reference)).toBe(false);
  });

  it('keeps the key material to itself: the MAC is no HMAC under an empty, zero or well-known key', async () => {
    // Act
    const output = Buffer.from((await mac(resolver.ref('MacKey'))) ?? []);

    // Assess
    for (const guess of [Buffer.alloc(0), Buffer.alloc(32), Buffer.from(resolver.ref('MacKey'))]) {
      expect(createHmac('sha256', guess).update(MESSAGE).digest().equals(output)).toBe(false);
    }
  });

  it('verifies its own MAC with VerifyMac and refuses another with KMSInvalidMacException', async () => {
    // Prepare
    const keyId = resolver.ref('MacKey');
    const good = await mac(keyId);
    const bad = Buffer.from(good ?? []);
    bad[0] = (bad[0] ?? 0) ^ 1;

    // Act
    const valid = await kms.send(
      new VerifyMacCommand({ KeyId: keyId, Message: MESSAGE, MacAlgorithm: 'HMAC_SHA_256', Mac: good }),
    );
    const invalid = kms.send(
      new VerifyMacCommand({ KeyId: keyId, Message: MESSAGE, MacAlgorithm: 'HMAC_SHA_256', Mac: bad }),
    );

    // Assess
    expect(valid.MacValid).toBe(true);
    await expect(invalid).rejects.toBeInstanceOf(KMSInvalidMacException);
  });

  it("refuses an unknown key, alias or another account's key with NotFoundException", async () => {
    // Act
    const attempts = await Promise.allSettled([
      mac('00000000-0000-0000-0000-000000000000'),
      mac('alias/nothing'),
      mac(resolver.arn('MacKey').replace(ENV.accountId, '111111111111')),
    ]);

    // Assess
    for (const attempt of attempts) {
      expect(attempt.status).toBe('rejected');
      expect((attempt as PromiseRejectedResult).reason).toBeInstanceOf(NotFoundException);
    }
  });

  it('refuses a key whose usage is not GENERATE_VERIFY_MAC with InvalidKeyUsageException', async () => {
    // Act
    const attempt = mac(resolver.ref('EncryptionKey'));

    // Assess
    await expect(attempt).rejects.toThrow(InvalidKeyUsageException);
    await expect(attempt).rejects.toThrow('ENCRYPT_DECRYPT which is not valid for GenerateMac');
  });

  it('refuses a MAC algorithm the key spec does not have, and a disabled key', async () => {
    // Act
    const wrongAlgorithm = kms.send(
      new GenerateMacCommand({
        KeyId: resolver.ref('MacKey'),
        Message: MESSAGE,
        MacAlgorithm: 'HMAC_SHA_512',
      }),
    );

    // Assess
    await expect(wrongAlgorithm).rejects.toBeInstanceOf(InvalidKeyUsageException);
    await expect(mac(resolver.ref('DisabledMacKey'))).rejects.toMatchObject({ name: 'DisabledException' });
  });

  it('refuses a message of 0 or more than 4096 bytes with ValidationException, and takes 4096', async () => {
    // Prepare
    const keyId = resolver.ref('MacKey');

    // Act
    const [empty, tooLong, longest] = await Promise.allSettled([
      mac(keyId, new Uint8Array(0)),
      mac(keyId, new Uint8Array(4097)),
      mac(keyId, new Uint8Array(4096)),
    ]);

    // Assess
    expect(empty).toMatchObject({
      status: 'rejected',
      reason: { name: 'ValidationException', $metadata: { httpStatusCode: 400 } },
    });
    expect(tooLong).toMatchObject({ status: 'rejected', reason: { name: 'ValidationException' } });
    expect(String((tooLong as PromiseRejectedResult).reason)).toContain(
      'Member must have length less than or equal to 4096',
    );
    expect(longest).toMatchObject({ status: 'fulfilled', value: expect.any(Uint8Array) });
  });

  it('lists every key of the template, by id and ARN', async () => {
    // Act
    const output = await kms.send(new ListKeysCommand({}));

    // Assess
    expect(output.Keys).toEqual(
      ['MacKey', 'OtherMacKey', 'EncryptionKey', 'DisabledMacKey'].map((id) => ({
        KeyId: resolver.ref(id),
        KeyArn: resolver.arn(id),
      })),
    );
    expect(output.Truncated).toBe(false);
  });

  it('describes an HMAC key with its spec, usage and MAC algorithm', async () => {
    // Act
    const output = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/codes' }));

    // Assess
    expect(output.KeyMetadata).toMatchObject({
      KeyId: resolver.ref('MacKey'),
      Arn: resolver.arn('MacKey'),
      KeySpec: 'HMAC_256',
      KeyUsage: 'GENERATE_VERIFY_MAC',
      MacAlgorithms: ['HMAC_SHA_256'],
      Enabled: true,
    });
  });

  it('asks the authorization hook about (action, key ARN) before using the key, and stops when it refuses', async () => {
    // Prepare
    calls.length = 0;
    refusedArn = resolver.arn('OtherMacKey');

    // Act
    await mac('alias/codes');
    const refused = mac(resolver.ref('OtherMacKey'));

    // Assess
    await expect(refused).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(calls).toEqual([
      { action: 'kms:GenerateMac', resource: resolver.arn('MacKey') },
      { action: 'kms:GenerateMac', resource: resolver.arn('OtherMacKey') },
    ]);
    refusedArn = undefined;
  });
});
