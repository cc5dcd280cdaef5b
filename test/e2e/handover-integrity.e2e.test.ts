/**
 * Handover integrity (attacker review of issue 20's fixes): stolen function credentials, signed with the function's own role
 * session and sent to the sandbox's DynamoDB endpoint with IAM enforced from the template. Each test states
 * what docs/security.md promises and fails while the hole is open.
 */

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { busEventsFor } from '../support/sandbox-harness.ts';
import { useSandbox } from './harness.ts';
import { stolenCredentials } from './stolen-credentials-support.ts';

const e2e = useSandbox();
const { asFunction, updateOf } = stolenCredentials(e2e);

/** Verify's own writes: the code back to ISSUED and unverified, then VERIFIED with verify's stamp. */
async function reopenAndVerify(verify: DynamoDBClient, parcelId: string, at: number) {
  await verify.send(
    updateOf(parcelId, {
      UpdateExpression: 'SET #s = :issued REMOVE verifiedAt',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':issued': { S: 'ISSUED' } },
    }),
  );
  await verify.send(
    updateOf(parcelId, {
      UpdateExpression: 'SET #s = :verified, verifiedAt = :at, verifiedAtIso = :iso, verifiedBy = :d',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: {
        ':verified': { S: 'VERIFIED' },
        ':at': { N: String(at) },
        ':iso': { S: new Date(at * 1000).toISOString() },
        ':d': { S: 'D-THIEF' },
      },
    }),
  );
}

describe('attacker review: a stolen verify credential', () => {
  it('never announces a cancelled parcel’s handover (its recipient is deleted, the closure’s stamp is one verify cannot remove)', async () => {
    // Prepare: a parcel with a code, then cancelled (status REVOKED, recipient deleted at once).
    await e2e.ship('REV-CANCELLED-1');
    await e2e.publish('Shipment Cancelled', { parcelId: 'REV-CANCELLED-1' });
    const verify = asFunction('verify-otp');
    const now = Math.floor(Date.now() / 1000);

    // Act: verify's own attributes only, three rounds.
    for (let round = 1; round <= 3; round++) {
      await reopenAndVerify(verify, 'REV-CANCELLED-1', now + round);
      await e2e.sandbox.settled();
    }

    // Assess: for a cancelled parcel none at all.
    expect(await busEventsFor(e2e, 'Parcel Handover Verified', 'REV-CANCELLED-1')).toEqual([]);
  });

  it('cannot announce a handover the recipient is never told of (reverting to ISSUED before the receipt step reads it)', async () => {
    // Prepare
    const { recipient } = await e2e.readyForHandover('REV-SILENT-1', 'D-RS-1');
    const verify = asFunction('verify-otp');
    const now = Math.floor(Date.now() / 1000);

    // Act: verified (the pipe announces it), and back to ISSUED at once, before the receipt reads the record.
    await reopenAndVerify(verify, 'REV-SILENT-1', now);
    await verify.send(
      updateOf('REV-SILENT-1', {
        UpdateExpression: 'SET #s = :issued',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':issued': { S: 'ISSUED' } },
      }),
    );
    await e2e.sandbox.settled();

    // Assess: an announced handover comes with a receipt ("if this was not you…").
    const announced = await busEventsFor(e2e, 'Parcel Handover Verified', 'REV-SILENT-1');
    expect(announced).toHaveLength(1);
    expect(await e2e.client.emailsTo(recipient)).toHaveLength(2);
  });
});

describe('attacker review: verify’s UPDATED_NEW', () => {
  it('is denied UPDATED_NEW, so a successful write of verify’s answers no code hash (SET codeHash = codeHash)', async () => {
    // Prepare
    await e2e.readyForHandover('REV-UPDATED-NEW-1', 'D-RU-1');
    const verify = asFunction('verify-otp');

    // Act: a no-op write (no change, no stream record, no counter) asking for what it "updated".
    const answer = verify.send(
      updateOf('REV-UPDATED-NEW-1', {
        UpdateExpression: 'SET codeHash = codeHash',
        ReturnValues: 'UPDATED_NEW',
      }),
    );

    // Assess: docs/security.md — "its writes answer nothing".
    await expect(answer).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});

describe('attacker review: a stolen assign-driver credential', () => {
  it('cannot silence a genuine handover: after it sets verifiedAt (a stamp its condition names), verify refuses the right code as revoked instead of a 200 nobody announces', async () => {
    // Prepare
    const { code, token, recipient } = await e2e.readyForHandover('REV-ASSIGN-1', 'D-RA-1');
    const assign = asFunction('assign-driver');

    // Act: one write within assign-driver's attribute list; then the genuine driver hands over.
    await assign.send(
      updateOf('REV-ASSIGN-1', {
        UpdateExpression: 'SET verifiedAt = :zero',
        ExpressionAttributeValues: { ':zero': { N: '0' } },
      }),
    );
    const verified = await e2e.client.verify('REV-ASSIGN-1', { code }, token);
    await e2e.sandbox.settled();

    // Assess: the driver is told no (and keeps the parcel); no handover exists that nobody was told of.
    expect([verified.status, verified.body.code]).toEqual([410, 'REVOKED']);
    expect(await busEventsFor(e2e, 'Parcel Handover Verified', 'REV-ASSIGN-1')).toEqual([]);
    expect(await e2e.client.emailsTo(recipient)).toHaveLength(1);
  });

  it('cannot silence a genuine handover by setting revokedAt or closedAt: the driver’s 200 is announced and receipted', async () => {
    // Prepare
    const first = await e2e.readyForHandover('REV-ASSIGN-4', 'D-RA-4');
    const second = await e2e.readyForHandover('REV-ASSIGN-5', 'D-RA-5');
    const assign = asFunction('assign-driver');

    // Act: a stamp within assign-driver's attribute list on each; then the genuine drivers hand over.
    for (const [parcelId, stamp] of [
      ['REV-ASSIGN-4', 'revokedAt'],
      ['REV-ASSIGN-5', 'closedAt'],
    ] as const) {
      await assign.send(
        updateOf(parcelId, {
          UpdateExpression: `SET ${stamp} = :t`,
          ExpressionAttributeValues: { ':t': { N: '1' } },
        }),
      );
    }
    const verified = [
      await e2e.client.verify('REV-ASSIGN-4', { code: first.code }, first.token),
      await e2e.client.verify('REV-ASSIGN-5', { code: second.code }, second.token),
    ];
    await e2e.sandbox.settled();

    // Assess
    expect(verified.map((response) => response.status)).toEqual([200, 200]);
    expect(await busEventsFor(e2e, 'Parcel Handover Verified', 'REV-ASSIGN-4')).toHaveLength(1);
    expect(await busEventsFor(e2e, 'Parcel Handover Verified', 'REV-ASSIGN-5')).toHaveLength(1);
    expect(await e2e.client.emailsTo(first.recipient)).toHaveLength(2);
    expect(await e2e.client.emailsTo(second.recipient)).toHaveLength(2);
  });

  it('cannot keep a high-value parcel from ever getting a code by stamping closedAt (or issueId) before it ships', async () => {
    // Prepare
    const assign = asFunction('assign-driver');
    await assign.send(
      updateOf('REV-ASSIGN-2', {
        UpdateExpression: 'SET closedAt = :t',
        ExpressionAttributeValues: { ':t': { N: '1' } },
      }),
    );
    await assign.send(
      updateOf('REV-ASSIGN-3', {
        UpdateExpression: 'SET issueId = :i',
        ExpressionAttributeValues: { ':i': { S: 'forged' } },
      }),
    );

    // Act
    const closed = await e2e.ship('REV-ASSIGN-2');
    const forged = await e2e.ship('REV-ASSIGN-3');

    // Assess: each recipient gets their code.
    expect([closed.emails.length, forged.emails.length]).toEqual([1, 1]);
  });
});
