/**
 * The recipient's email, name and locale live in their own table, which the verify function cannot
 * read: whatever verify's requests hand back, and whatever the code table holds, carries none of them.
 */
import { DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { codeFromEmail, otpTableName, recipientTableName } from '../../sandbox/app/client.ts';
import { useSandbox, wrongCodeFor } from './harness.ts';

const e2e = useSandbox();

/** A recipient whose every detail is a string nothing else in the system contains. */
const recipientFor = (parcelId: string) => ({
  email: `${parcelId.toLowerCase()}.inbox@privacy.example.com`,
  name: `Quentin ${parcelId} Privatperson`,
  locale: 'fr-CH',
});
const detailsOf = (recipient: ReturnType<typeof recipientFor>) => [
  recipient.email,
  recipient.name,
  `"${recipient.locale}"`,
];

const tomorrowPlus = (days: number) =>
  new Date(Date.now() + (1 + days) * 86_400_000).toISOString().slice(0, 10);

function dynamodb(): DynamoDBClient {
  const { endpoints } = e2e.sandbox;
  return new DynamoDBClient({
    endpoint: endpoints.dynamodbEndpoint,
    region: endpoints.region,
    credentials: endpoints.credentials,
  });
}

/** Every item of `table`, as DynamoDB JSON text. */
async function scanText(ddb: DynamoDBClient, table: string): Promise<string> {
  const items = (await ddb.send(new ScanCommand({ TableName: table }))).Items ?? [];
  return JSON.stringify(items);
}

async function recipientItem(ddb: DynamoDBClient, parcelId: string) {
  const output = await ddb.send(
    new GetItemCommand({
      TableName: await recipientTableName(ddb),
      Key: { parcelId: { S: parcelId } },
      ConsistentRead: true,
    }),
  );
  return output.Item;
}

/** Ships a parcel to a distinctive recipient and binds it to D-1; returns its code and the tokens. */
async function shipToDistinctRecipient(parcelId: string) {
  const recipient = recipientFor(parcelId);
  const { emails } = await e2e.ship(parcelId, { recipient });
  const code = codeFromEmail(emails[0]?.text ?? '');
  if (!code) throw new Error(`no code email for ${parcelId}`);
  await e2e.publish('Parcel Out For Delivery', { parcelId, driverId: 'D-1', deliveryDate: tomorrowPlus(0) });
  return { recipient, code };
}

describe('recipient details and the verify path', () => {
  it('hands the verify function none of the recipient’s email, name or locale on a refused verify', async () => {
    // Prepare
    const { recipient, code } = await shipToDistinctRecipient('PII-VERIFY-1');
    const [assigned, otherDriver] = [
      await e2e.client.driverToken('D-1'),
      await e2e.client.driverToken('D-2'),
    ];
    await e2e.sandbox.settled();
    // From here until stop() the only caller of DynamoDB is the verify function.
    const recording = e2e.sandbox.faults.dynamodb.record();

    // Act
    const wrongDriver = await e2e.client.verify('PII-VERIFY-1', { code }, otherDriver);
    const unknownParcel = await e2e.client.verify('PII-NO-SUCH-PARCEL', { code }, assigned);
    const wrongCode = await e2e.client.verify('PII-VERIFY-1', { code: wrongCodeFor(code) }, assigned);
    recording.stop();

    // Assess
    // Which 4xx a stranger's parcel gets is the verify API's business (docs/http-api.md status table); all are refused.
    for (const refused of [wrongDriver, unknownParcel]) expect([403, 404]).toContain(refused.status);
    expect(wrongCode.status).toBe(422);
    const answers = recording.exchanges.map((exchange) => exchange.response);
    // The recording saw what DynamoDB returned: the counted wrong code comes back as the item.
    expect(answers.some((answer) => answer.includes('PII-VERIFY-1'))).toBe(true);
    for (const detail of detailsOf(recipient)) {
      expect(answers.filter((answer) => answer.includes(detail))).toEqual([]);
    }
  });

  it('keeps none of the recipient’s details in the code table through ship, track, resend, verify and receipt', async () => {
    // Prepare
    const ddb = dynamodb();
    const { recipient, code } = await shipToDistinctRecipient('PII-FLOW-1');

    // Act
    const tracked = await e2e.client.track('PII-FLOW-1', recipient.email);
    const resent = await e2e.client.resend('PII-FLOW-1', recipient.email);
    const verified = await e2e.client.verify('PII-FLOW-1', { code }, await e2e.client.driverToken('D-1'));
    await e2e.sandbox.settled();

    // Assess: the code table, all that verify can reach, never held any of it...
    const codeTable = await scanText(ddb, await otpTableName(ddb));
    expect(codeTable).toContain('PII-FLOW-1');
    for (const detail of detailsOf(recipient)) expect(codeTable).not.toContain(detail);
    // ...and the whole flow worked from the recipient table: code, resend and receipt emails.
    expect([tracked.status, resent.status, verified.status]).toEqual([200, 202, 200]);
    expect(tracked.body.code).toBe(code);
    const emails = await e2e.client.emailsTo(recipient.email);
    expect(emails).toHaveLength(3);
    expect(emails[2]?.text).toContain('PII-FLOW-1');
    expect((await recipientItem(ddb, 'PII-FLOW-1'))?.email?.S).toBe(recipient.email);
  });
});

describe('how long the recipient is kept', () => {
  it('keeps the recipient at least as long as the code record after a reissue moves the code weeks ahead', async () => {
    // Prepare
    const ddb = dynamodb();
    await shipToDistinctRecipient('PII-REISSUE-1');
    const before = Number((await e2e.item('PII-REISSUE-1'))?.ttl?.N);

    // Act
    await e2e.publish('Delivery Attempt Failed', {
      parcelId: 'PII-REISSUE-1',
      driverId: 'D-1',
      reason: 'NOBODY_HOME',
      nextAttemptDate: tomorrowPlus(40),
    });

    // Assess
    const codeTtl = Number((await e2e.item('PII-REISSUE-1'))?.ttl?.N);
    expect(codeTtl).toBeGreaterThan(before);
    expect(Number((await recipientItem(ddb, 'PII-REISSUE-1'))?.ttl?.N)).toBeGreaterThanOrEqual(codeTtl);
  });

  it.each(['Parcel Returned', 'Shipment Cancelled'])(
    'deletes the recipient at once when the parcel is closed (%s)',
    async (detailType) => {
      // Prepare
      const ddb = dynamodb();
      const parcelId = `PII-CLOSE-${detailType.split(' ')[0]?.toUpperCase()}`;
      await shipToDistinctRecipient(parcelId);
      expect(await recipientItem(ddb, parcelId)).toBeDefined();

      // Act
      await e2e.publish(detailType, { parcelId });

      // Assess
      expect(await recipientItem(ddb, parcelId)).toBeUndefined();
      expect((await e2e.item(parcelId))?.status?.S).toBe('REVOKED');
    },
  );

  it.each(['Parcel Returned', 'Shipment Cancelled'])(
    'answers Track for a closed parcel (%s) exactly as for an unknown one, 404 NOT_FOUND: its recipient is forgotten',
    async (detailType) => {
      // Prepare
      const parcelId = `PII-TRACK-${detailType.split(' ')[0]?.toUpperCase()}`;
      const { recipient } = await shipToDistinctRecipient(parcelId);
      await e2e.publish(detailType, { parcelId });

      // Act
      const closed = await e2e.client.track(parcelId, recipient.email);
      const unknown = await e2e.client.track(`${parcelId}-NONE`, recipient.email);

      // Assess
      expect(closed.status).toBe(404);
      expect(closed).toEqual(unknown);
    },
  );

  it('keeps no recipient when Parcel Shipped arrives after the parcel was cancelled', async () => {
    // Prepare
    const ddb = dynamodb();
    await e2e.publish('Shipment Cancelled', { parcelId: 'PII-CLOSED-FIRST-1' });

    // Act
    const { emails } = await e2e.ship('PII-CLOSED-FIRST-1', {
      recipient: recipientFor('PII-CLOSED-FIRST-1'),
    });

    // Assess
    expect(emails).toHaveLength(0);
    expect(await recipientItem(ddb, 'PII-CLOSED-FIRST-1')).toBeUndefined();
  });

  it('lets the TTL sweep remove expired recipients as it removes expired codes', async () => {
    // Prepare
    const ddb = dynamodb();
    await shipToDistinctRecipient('PII-TTL-1');
    const recipientTtl = Number((await recipientItem(ddb, 'PII-TTL-1'))?.ttl?.N);

    // Act
    await e2e.sandbox.sweepExpired(recipientTtl + 1);

    // Assess
    expect(await recipientItem(ddb, 'PII-TTL-1')).toBeUndefined();
    expect(await e2e.item('PII-TTL-1')).toBeUndefined();
  });
});
