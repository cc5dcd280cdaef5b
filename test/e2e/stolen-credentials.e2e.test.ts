/**
 * What a function's stolen credentials can and cannot do, in the sandbox with IAM enforced from the
 * template: the attacker's requests are signed with the function's own role-session credentials and sent
 * to the DynamoDB endpoint the functions use, as they would be sent to DynamoDB on AWS.
 */

import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
} from '@aws-sdk/client-dynamodb';
import { GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import { tableAccess } from '../../lambdas/contracts/table-access.ts';
import { codeMacMessage } from '../../lambdas/domain/otp-code.ts';
import { recipientTableName } from '../../sandbox/app/client.ts';
import { busEventsFor } from '../support/sandbox-harness.ts';
import { roleOfFunction } from '../support/template-mutation.ts';
import { useSandbox } from './harness.ts';
import { stolenCredentials } from './stolen-credentials-support.ts';

const e2e = useSandbox();
const { asFunction, tableName, updateOf } = stolenCredentials(e2e);

/** The request's outcome: its answer, or the error's name. */
const outcomeOf = (request: Promise<unknown>) =>
  request.then(
    (answer) => answer,
    (error: Error) => error,
  );

describe('a stolen verify credential', () => {
  it('is denied an UpdateItem that asks for ALL_NEW or ALL_OLD, and one that sets an attribute outside verify’s list', async () => {
    // Prepare
    await e2e.readyForHandover('STOLEN-V-1', 'D-SV-1');
    const verify = asFunction('verify-otp');

    // Act
    const answers = await Promise.all([
      outcomeOf(
        verify.send(
          updateOf('STOLEN-V-1', {
            UpdateExpression: 'SET wrongAttempts = wrongAttempts',
            ReturnValues: 'ALL_NEW',
          }),
        ),
      ),
      outcomeOf(
        verify.send(
          updateOf('STOLEN-V-1', {
            UpdateExpression: 'SET wrongAttempts = wrongAttempts',
            ReturnValues: 'ALL_OLD',
          }),
        ),
      ),
      ...['receiptStatus', 'emailStatus', 'smsStatus', 'delayedShard', 'issueId', 'orderId'].map(
        (attribute) =>
          outcomeOf(
            verify.send(
              updateOf('STOLEN-V-1', {
                UpdateExpression: 'REMOVE #a',
                ExpressionAttributeNames: { '#a': attribute },
              }),
            ),
          ),
      ),
    ]);

    // Assess
    for (const answer of answers) expect(answer).toMatchObject({ name: 'AccessDeniedException' });
    expect(await e2e.item('STOLEN-V-1')).toMatchObject({
      status: { S: 'ISSUED' },
      emailStatus: { S: 'SENT' },
    });
  });

  it('reads no hash: a GetItem naming codeHash or asking for the whole item is denied, verify’s projection holds none', async () => {
    // Prepare
    await e2e.readyForHandover('STOLEN-V-2', 'D-SV-2');
    const verify = asFunction('verify-otp');
    const key = { parcelId: { S: 'STOLEN-V-2' } };
    const allowed = tableAccess('verify-otp', 'OTP_TABLE_NAME').read ?? [];

    // Act
    const hash = await outcomeOf(
      verify.send(new GetItemCommand({ TableName: tableName(), Key: key, ProjectionExpression: 'codeHash' })),
    );
    const whole = await outcomeOf(verify.send(new GetItemCommand({ TableName: tableName(), Key: key })));
    const projected = await verify.send(
      new GetItemCommand({
        TableName: tableName(),
        Key: key,
        ProjectionExpression: allowed.map((_, index) => `#a${index}`).join(', '),
        ExpressionAttributeNames: Object.fromEntries(allowed.map((name, index) => [`#a${index}`, name])),
      }),
    );

    // Assess
    expect(hash).toMatchObject({ name: 'AccessDeniedException' });
    expect(whole).toMatchObject({ name: 'AccessDeniedException' });
    expect(Object.keys(projected.Item ?? {})).not.toContain('codeHash');
    expect(Object.keys(projected.Item ?? {})).not.toContain('previousCodeHash');
  });

  it('still learns a code’s hash from a refused conditional write (no IAM key governs ReturnValuesOnConditionCheckFailure), one MAC per guess checks it', async () => {
    // Prepare
    const { code } = await e2e.readyForHandover('STOLEN-V-3', 'D-SV-3');
    const verify = asFunction('verify-otp');
    const { functionId } = roleOfFunction(e2e.sandbox.resolver.template, /lambdas\/verify-otp\//);
    const credentials = e2e.sandbox.iam.credentialsOf(functionId);
    const kms = new KMSClient({
      region: e2e.sandbox.endpoints.region,
      endpoint: e2e.sandbox.endpoints.kmsEndpoint,
      credentials: {
        accessKeyId: credentials?.AWS_ACCESS_KEY_ID ?? '',
        secretAccessKey: credentials?.AWS_SECRET_ACCESS_KEY ?? '',
        sessionToken: credentials?.AWS_SESSION_TOKEN ?? '',
      },
    });

    // Act: a write of an attribute verify may write, on a condition that cannot hold.
    const refused = await outcomeOf(
      verify.send(
        updateOf('STOLEN-V-3', {
          UpdateExpression: 'SET wrongAttempts = wrongAttempts',
          ConditionExpression: 'attribute_not_exists(parcelId)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
    const leaked = (refused as ConditionalCheckFailedException).Item?.codeHash?.S;
    const mac = await kms.send(
      new GenerateMacCommand({
        KeyId: await hashKeyArn(),
        MacAlgorithm: 'HMAC_SHA_256',
        Message: codeMacMessage('STOLEN-V-3', code),
      }),
    );

    // Assess: the residual risk docs/security.md states, with its cost (10^6 MACs at most per code).
    expect(refused).toBeInstanceOf(ConditionalCheckFailedException);
    expect(leaked).toBe(Buffer.from(mac.Mac ?? []).toString('hex'));
    expect(await e2e.item('STOLEN-V-3')).toMatchObject({ wrongAttempts: { N: '0' } });
  });

  it('cannot announce a handover of a parcel that never existed: the pipe wants the record issuing wrote', async () => {
    // Prepare
    const verify = asFunction('verify-otp');
    const now = Math.floor(Date.now() / 1000);

    // Act: every attribute verify may write, in two steps (issued, then verified), on a fresh key.
    await verify.send(
      updateOf('STOLEN-NEVER-1', {
        UpdateExpression: 'SET #s = :issued, codeHash = :h, expiresAt = :exp, driverId = :d',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: {
          ':issued': { S: 'ISSUED' },
          ':h': { S: 'f'.repeat(64) },
          ':exp': { N: String(now + 3600) },
          ':d': { S: 'D-THIEF' },
        },
      }),
    );
    await verify.send(
      updateOf('STOLEN-NEVER-1', {
        UpdateExpression: 'SET #s = :verified, verifiedAt = :now, verifiedAtIso = :iso, verifiedBy = :d',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: {
          ':verified': { S: 'VERIFIED' },
          ':now': { N: String(now) },
          ':iso': { S: new Date(now * 1000).toISOString() },
          ':d': { S: 'D-THIEF' },
        },
      }),
    );
    await e2e.sandbox.settled();

    // Assess
    expect(await busEventsFor(e2e, 'Parcel Handover Verified', 'STOLEN-NEVER-1')).toEqual([]);
  });

  it('cannot announce a handover twice or send a second receipt: once the receipt is claimed, verify’s writes announce nothing', async () => {
    // Prepare
    const { code, token, recipient } = await e2e.readyForHandover('STOLEN-TWICE-1', 'D-ST-1');
    expect((await e2e.client.verify('STOLEN-TWICE-1', { code }, token)).status).toBe(200);
    await e2e.sandbox.settled();
    const verify = asFunction('verify-otp');
    const now = Math.floor(Date.now() / 1000);

    // Act: back to ISSUED and unverified, then verified again, three times over.
    for (let round = 1; round <= 3; round++) {
      await verify.send(
        updateOf('STOLEN-TWICE-1', {
          UpdateExpression: 'SET #s = :issued REMOVE verifiedAt',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':issued': { S: 'ISSUED' } },
        }),
      );
      await verify.send(
        updateOf('STOLEN-TWICE-1', {
          UpdateExpression: 'SET #s = :verified, verifiedAt = :now, verifiedBy = :d',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: {
            ':verified': { S: 'VERIFIED' },
            ':now': { N: String(now + round) },
            ':d': { S: 'D-THIEF' },
          },
        }),
      );
    }
    const resetReceipt = await outcomeOf(
      verify.send(updateOf('STOLEN-TWICE-1', { UpdateExpression: 'REMOVE receiptStatus' })),
    );
    await e2e.sandbox.settled();

    // Assess
    expect(await busEventsFor(e2e, 'Parcel Handover Verified', 'STOLEN-TWICE-1')).toHaveLength(1);
    expect(resetReceipt).toMatchObject({ name: 'AccessDeniedException' });
    expect(await e2e.client.emailsTo(recipient)).toHaveLength(2);
  });
});

describe('other stolen credentials', () => {
  it('denies assign-driver reopening a revoked code (status) or asking for the item back', async () => {
    // Prepare
    await e2e.ship('STOLEN-A-1');
    await e2e.publish('Shipment Cancelled', { parcelId: 'STOLEN-A-1' });
    const assign = asFunction('assign-driver');

    // Act
    const reopen = await outcomeOf(
      assign.send(
        updateOf('STOLEN-A-1', {
          UpdateExpression: 'SET #s = :issued',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':issued': { S: 'ISSUED' } },
        }),
      ),
    );
    const answer = await outcomeOf(
      assign.send(
        updateOf('STOLEN-A-1', { UpdateExpression: 'SET boundAt = boundAt', ReturnValues: 'ALL_NEW' }),
      ),
    );

    // Assess
    expect(reopen).toMatchObject({ name: 'AccessDeniedException' });
    expect(answer).toMatchObject({ name: 'AccessDeniedException' });
    expect(await e2e.item('STOLEN-A-1')).toMatchObject({ status: { S: 'REVOKED' } });
  });

  it('lets a stolen record-sms-delivery credential read the whole code item, hash and ciphertext included, from a refused conditional write (its GetItem projection does not govern ReturnValuesOnConditionCheckFailure)', async () => {
    // Prepare
    await e2e.ship('STOLEN-S-1');
    const recorder = asFunction('record-sms-delivery');

    // Act: a write of an attribute the recorder may write, on a condition that cannot hold.
    const refused = await outcomeOf(
      recorder.send(
        updateOf('STOLEN-S-1', {
          UpdateExpression: 'SET smsFailure = smsFailure',
          ConditionExpression: 'attribute_not_exists(parcelId)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );

    // Assess: docs/security.md's row for record-sms-delivery must not claim it reads no hash or ciphertext.
    const stored = await e2e.item('STOLEN-S-1');
    expect(refused).toBeInstanceOf(ConditionalCheckFailedException);
    const leaked = (refused as ConditionalCheckFailedException).Item;
    expect(leaked?.codeHash).toEqual(stored?.codeHash);
    expect(leaked?.codeCiphertext).toEqual(stored?.codeCiphertext);
    expect([stored?.codeHash, stored?.codeCiphertext]).not.toContain(undefined);
  });

  it('denies track-otp the recipient’s phone, and both track-otp and send-receipt the whole recipient item', async () => {
    // Prepare
    await e2e.ship('STOLEN-R-1', {
      recipient: {
        email: 'alex@example.com',
        name: 'Alex Example',
        locale: 'de-DE',
        phone: '+4915112345678',
      },
    });
    const table = await recipientTableName(
      new DynamoDBClient({
        region: e2e.sandbox.endpoints.region,
        endpoint: e2e.sandbox.endpoints.dynamodbEndpoint,
        credentials: e2e.sandbox.endpoints.credentials,
      }),
    );
    const key: Record<string, AttributeValue> = { parcelId: { S: 'STOLEN-R-1' } };

    // Act
    const answers = await Promise.all([
      ...['track-otp', 'send-receipt'].map((handler) =>
        outcomeOf(asFunction(handler).send(new GetItemCommand({ TableName: table, Key: key }))),
      ),
      outcomeOf(
        asFunction('track-otp').send(
          new GetItemCommand({ TableName: table, Key: key, ProjectionExpression: 'email, phone' }),
        ),
      ),
    ]);
    const email = await asFunction('track-otp').send(
      new GetItemCommand({ TableName: table, Key: key, ProjectionExpression: 'parcelId, email' }),
    );

    // Assess
    for (const answer of answers) expect(answer).toMatchObject({ name: 'AccessDeniedException' });
    expect(email.Item).toEqual({ parcelId: { S: 'STOLEN-R-1' }, email: { S: 'alex@example.com' } });
  });
});

/** The code hash key's ARN, from the template. */
async function hashKeyArn(): Promise<string> {
  const [id] =
    e2e.sandbox.resolver
      .resourcesOfType('AWS::KMS::Key')
      .find(([, key]) => key.Properties?.KeySpec === 'HMAC_256') ?? [];
  return e2e.sandbox.resolver.arn(id ?? '');
}
