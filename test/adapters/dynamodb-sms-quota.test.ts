import { describe, expect, it } from 'vitest';
import { CodeTable } from '../../lambdas/adapters/dynamodb-code-table.ts';
import { DynamoDbSmsQuota } from '../../lambdas/adapters/dynamodb-sms-quota.ts';
import { useOtpTables } from '../support/dynamodb-table.ts';

const tables = useOtpTables();
const quota = () => new DynamoDbSmsQuota(new CodeTable(tables().client, { tableName: tables().tableName }));

describe('DynamoDbSmsQuota on dynalite', () => {
  it('counts exactly the limit of 20 racing messages to one number, as a condition on the write', async () => {
    // Act
    const taken = await Promise.all(
      Array.from({ length: 20 }, () => quota().take('key-race', '2026-12-01', 5)),
    );

    // Assess
    expect(taken.filter(Boolean)).toHaveLength(5);
  });

  it('counts each day apart, and keeps its counter only a short while (ttl)', async () => {
    // Prepare
    await quota().take('key-days', '2026-12-01', 1);

    // Act
    const sameDay = await quota().take('key-days', '2026-12-01', 1);
    const nextDay = await quota().take('key-days', '2026-12-02', 1);

    // Assess
    expect([sameDay, nextDay]).toEqual([false, true]);
    const ttl = Number((await tables().item('SMS#key-days#2026-12-01'))?.ttl);
    expect(ttl - Date.now() / 1000).toBeLessThanOrEqual(2 * 86_400);
  });

  it('gives a count back as a condition on the write: never below zero, never a counter that was not there', async () => {
    // Prepare
    await quota().take('key-back', '2026-12-01', 1);

    // Act: two give-backs of one count, and one of a counter that was never there.
    await quota().giveBack('key-back', '2026-12-01');
    await quota().giveBack('key-back', '2026-12-01');
    await quota().giveBack('key-none', '2026-12-01');

    // Assess: each number has exactly its one text again (a count below zero would let two through).
    const back = [
      await quota().take('key-back', '2026-12-01', 1),
      await quota().take('key-back', '2026-12-01', 1),
    ];
    const none = [
      await quota().take('key-none', '2026-12-01', 1),
      await quota().take('key-none', '2026-12-01', 1),
    ];
    expect([back, none]).toEqual([
      [true, false],
      [true, false],
    ]);
  });
});
