import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbRecipientStore } from '../../lambdas/adapters/dynamodb-recipient-store.ts';
import type { RecipientReader, RecipientWriter } from '../../lambdas/domain/otp-record.ts';
import { FakeRecipientStore } from '../domain/fake-recipient-store.ts';
import { useOtpTables } from '../support/dynamodb-table.ts';
import { recipientRecord } from '../support/fixtures.ts';

/**
 * What issuing and the lifecycle rely on from the recipient table, run against `DynamoDbRecipientStore`
 * on dynalite and against the domain tests' `FakeRecipientStore`.
 */
const NOW = Date.parse('2026-12-01T13:00:00Z') / 1000;

const tables = useOtpTables();
const implementations: [string, () => RecipientReader & RecipientWriter][] = [
  [
    'DynamoDbRecipientStore on dynalite',
    () => new DynamoDbRecipientStore(tables().client, tables().recipientTableName),
  ],
  ['FakeRecipientStore', () => new FakeRecipientStore()],
];

let serial = 0;

describe.each(implementations)('%s', (_name, implementation) => {
  let store: RecipientReader & RecipientWriter;
  let parcelId: string;

  beforeEach(() => {
    store = implementation();
    parcelId = `PCL-R-${++serial}`;
  });

  it('keeps the first recipient while it lives: a second one only moves the ttl later', async () => {
    // Prepare
    await store.save(recipientRecord({ parcelId, ttl: NOW + 100 }), NOW);

    // Act
    await store.save(recipientRecord({ parcelId, email: 'mallory@example.com', ttl: NOW + 200 }), NOW);

    // Assess
    expect(await store.get(parcelId)).toMatchObject({ email: recipientRecord().email, ttl: NOW + 200 });
  });

  it('replaces a recipient whose ttl has passed, without its old phone', async () => {
    // Prepare
    await store.save(recipientRecord({ parcelId, phone: '+4915112345678', ttl: NOW - 1 }), NOW - 100);

    // Act
    await store.save(recipientRecord({ parcelId, email: 'new@example.com', ttl: NOW + 100 }), NOW);

    // Assess
    const saved = await store.get(parcelId);
    expect(saved).toMatchObject({ email: 'new@example.com', ttl: NOW + 100 });
    expect(saved?.phone).toBeUndefined();
  });

  it('moves the ttl only later, and never creates a recipient', async () => {
    // Prepare
    await store.save(recipientRecord({ parcelId, ttl: NOW + 100 }), NOW);

    // Act
    await store.extendTtl(parcelId, NOW + 50);
    const afterEarlier = (await store.get(parcelId))?.ttl;
    await store.extendTtl(parcelId, NOW + 300);
    await store.extendTtl(`${parcelId}-none`, NOW + 300);

    // Assess
    expect(afterEarlier).toBe(NOW + 100);
    expect((await store.get(parcelId))?.ttl).toBe(NOW + 300);
    expect(await store.get(`${parcelId}-none`)).toBeUndefined();
  });

  it('forgets the recipient on delete', async () => {
    // Prepare
    await store.save(recipientRecord({ parcelId }), NOW);

    // Act
    await store.delete(parcelId);

    // Assess
    expect(await store.get(parcelId)).toBeUndefined();
  });
});
