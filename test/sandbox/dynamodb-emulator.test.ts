import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalOtpTable, startOtpTable } from '../support/dynamodb-table.ts';

let tables: LocalOtpTable;
beforeAll(async () => {
  tables = await startOtpTable();
});
afterAll(() => tables.stop());

describe('the DynamoDB emulator', () => {
  it('refuses a request body over 16 MB with 413 ValidationException, not an internal error', async () => {
    // Prepare: a DescribeTimeToLive (answered by the emulator itself) padded past 16 MB
    const body = JSON.stringify({ TableName: tables.tableName, padding: 'x'.repeat(17 * 1024 * 1024) });

    // Act
    const answer = await fetch(tables.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.DescribeTimeToLive',
      },
      body,
    });

    // Assess
    expect(answer.status).toBe(413);
    expect(await answer.json()).toMatchObject({ __type: expect.stringMatching(/#ValidationException$/) });
  });
});
