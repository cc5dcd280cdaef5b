import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import { RESEND_PATH, routePath, TRACK_PATH } from '../../lambdas/contracts/http/paths.ts';
import { codeFromEmail, signedApiHeaders } from '../../sandbox/app/client.ts';
import { busEventsFor, writeCodeItem } from '../support/sandbox-harness.ts';
import { useSandbox, wrongCodeFor } from './harness.ts';

const e2e = useSandbox();
const tomorrowPlus = (days: number) =>
  new Date(Date.now() + (1 + days) * 86_400_000).toISOString().slice(0, 10);

/** Publishes Delivery Attempt Failed (with or without a next date) and waits for the lifecycle workflow. */
async function failAttempt(parcelId: string, nextAttemptDate?: string, reason = 'NOBODY_HOME') {
  await e2e.publish('Delivery Attempt Failed', {
    parcelId,
    driverId: 'D-1',
    reason,
    ...(nextAttemptDate ? { nextAttemptDate } : {}),
  });
}

/** Publishes one carrier event carrying its own (earlier) event time, as a late delivery would. */
async function publishAt(detailType: string, detail: Record<string, unknown>, time: Date): Promise<void> {
  const { eventBusName, eventSource } = e2e.sandbox.endpoints;
  await e2e.client.events.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: eventBusName,
          Source: eventSource,
          DetailType: detailType,
          Detail: JSON.stringify(detail),
          Time: time,
        },
      ],
    }),
  );
  await e2e.sandbox.settled();
}

/**
 * A signed recipient request with the header exactly as given (characters up to U+00FF go on the wire as
 * those bytes); the answer's status, body and headers, without the per-request id and date.
 */
async function signedRecipientRequest(
  path: string,
  recipientHeader: string,
  method: 'GET' | 'POST' = 'GET',
): Promise<{ status: number; body: string; headers: Record<string, string> }> {
  const url = new URL(path, e2e.sandbox.endpoints.apiUrl);
  const signed = await signedApiHeaders(e2e.sandbox.endpoints, method, url, {
    host: url.host,
    'x-recipient-email': recipientHeader,
  });
  const response = await fetch(url, { method, headers: signed });
  const headers = Object.fromEntries(
    [...response.headers].filter(([name]) => !['date', 'apigw-requestid'].includes(name)),
  );
  return { status: response.status, body: await response.text(), headers };
}

const busEvents = (detailType: string, parcelId: string) => busEventsFor(e2e, detailType, parcelId);

describe('delivery lifecycle', () => {
  it('reissues a fresh code for the next attempt date; the previous code stops verifying at once', async () => {
    const { code: first, recipient } = await e2e.readyForHandover('LC-REISSUE-1');

    await failAttempt('LC-REISSUE-1', tomorrowPlus(1));
    const emails = await e2e.client.emailsTo(recipient);
    const second = codeFromEmail(emails[1]?.text ?? '') as string;
    await e2e.publish('Parcel Out For Delivery', {
      parcelId: 'LC-REISSUE-1',
      driverId: 'D-1',
      deliveryDate: tomorrowPlus(1),
    });
    const token = await e2e.client.driverToken('D-1');
    const old = await e2e.client.verify('LC-REISSUE-1', { code: first }, token);
    const fresh = await e2e.client.verify('LC-REISSUE-1', { code: second }, token);

    expect(emails).toHaveLength(2);
    expect(emails[1]?.subject).toContain('neuer Zustellcode');
    expect(emails[1]?.subject).not.toContain(second);
    expect(old.status).toBe(first === second ? 200 : 410);
    expect(fresh.status).toBe(first === second ? 409 : 200);
    expect(await busEvents('Delivery Otp Reissued', 'LC-REISSUE-1')).toHaveLength(1);
    expect((await e2e.item('LC-REISSUE-1'))?.deliveryDate?.S).toBe(tomorrowPlus(1));
  });

  it.each([
    ['next-day', 1],
    ['same-day', 0],
  ])('issues nothing new when the same %s Delivery Attempt Failed arrives twice', async (kind, days) => {
    const parcelId = `LC-DUP-${kind}`;
    const { recipient } = await e2e.readyForHandover(parcelId);
    // A redelivery (bus retry, DLQ redrive, archive replay) carries the event's own time.
    const failure = { parcelId, driverId: 'D-1', reason: 'NOBODY_HOME', nextAttemptDate: tomorrowPlus(days) };
    const failedAt = new Date();

    await publishAt('Delivery Attempt Failed', failure, failedAt);
    await publishAt('Delivery Attempt Failed', failure, failedAt);

    expect(await e2e.client.emailsTo(recipient)).toHaveLength(2);
    expect(await busEvents('Delivery Otp Reissued', parcelId)).toHaveLength(1);
  });

  it('reissues a fresh code for a same-day retry: the failed driver is unbound and the old code stops verifying', async () => {
    const { code: first, recipient, token } = await e2e.readyForHandover('LC-SAMEDAY-1', 'D-1');

    await failAttempt('LC-SAMEDAY-1', tomorrowPlus(0));
    const emails = await e2e.client.emailsTo(recipient);
    const second = codeFromEmail(emails[1]?.text ?? '') as string;
    const failedDriver = await e2e.client.verify('LC-SAMEDAY-1', { code: first }, token);
    await e2e.publish('Parcel Out For Delivery', {
      parcelId: 'LC-SAMEDAY-1',
      driverId: 'D-2',
      deliveryDate: tomorrowPlus(0),
    });
    const nextDriver = await e2e.client.driverToken('D-2');
    const old = await e2e.client.verify('LC-SAMEDAY-1', { code: first }, nextDriver);
    const fresh = await e2e.client.verify('LC-SAMEDAY-1', { code: second }, nextDriver);

    expect(emails).toHaveLength(2);
    expect(emails[1]?.subject).toContain('neuer Zustellcode');
    expect(failedDriver.status).toBe(403);
    expect(old.status).toBe(first === second ? 200 : 410);
    expect(fresh.status).toBe(first === second ? 409 : 200);
    expect(await busEvents('Delivery Otp Reissued', 'LC-SAMEDAY-1')).toHaveLength(1);
    expect((await e2e.item('LC-SAMEDAY-1'))?.deliveryDate?.S).toBe(tomorrowPlus(0));
  });

  it('gives a reissued code a fresh limit of five wrong codes', async () => {
    const { code, recipient, token } = await e2e.readyForHandover('LC-FRESH-1');
    for (let attempt = 0; attempt < 5; attempt++)
      await e2e.client.verify('LC-FRESH-1', { code: wrongCodeFor(code) }, token);

    await failAttempt('LC-FRESH-1', tomorrowPlus(1), 'OTP_LOCKED');
    await e2e.publish('Parcel Out For Delivery', {
      parcelId: 'LC-FRESH-1',
      driverId: 'D-1',
      deliveryDate: tomorrowPlus(1),
    });
    const second = codeFromEmail((await e2e.client.emailsTo(recipient))[1]?.text ?? '') as string;
    const wrong = await e2e.client.verify(
      'LC-FRESH-1',
      { code: wrongCodeFor(second) === code ? '222222' : wrongCodeFor(second) },
      token,
    );

    expect(wrong.status).toBe(422);
    expect(wrong.body.attemptsRemaining).toBe(4);
    expect((await e2e.item('LC-FRESH-1'))?.totalWrongAttempts?.N).toBe('6');
  });

  it('stops reissuing past ten wrong codes across all codes and emits Delivery Otp Locked', async () => {
    const { recipient, token } = await e2e.readyForHandover('LC-CAP-1');
    const wrongRound = async () => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const codes = (await e2e.client.emailsTo(recipient)).map((email) => codeFromEmail(email.text));
        const wrong = ['000000', '111111', '222222'].find(
          (candidate) => !codes.includes(candidate),
        ) as string;
        await e2e.client.verify('LC-CAP-1', { code: wrong }, token);
      }
    };
    await wrongRound();
    await failAttempt('LC-CAP-1', tomorrowPlus(1), 'OTP_LOCKED');
    await e2e.publish('Parcel Out For Delivery', {
      parcelId: 'LC-CAP-1',
      driverId: 'D-1',
      deliveryDate: tomorrowPlus(1),
    });
    await wrongRound();

    await failAttempt('LC-CAP-1', tomorrowPlus(2), 'OTP_LOCKED');

    expect(await e2e.client.emailsTo(recipient)).toHaveLength(2);
    expect(await busEvents('Delivery Otp Locked', 'LC-CAP-1')).toEqual([
      { parcelId: 'LC-CAP-1', totalWrongAttempts: 10 },
    ]);
    expect((await e2e.item('LC-CAP-1'))?.totalWrongAttempts?.N).toBe('10');
  });

  it('revokes the code when an attempt fails without a next date: verify answers 410', async () => {
    const { code, token } = await e2e.readyForHandover('LC-REVOKE-1');

    await failAttempt('LC-REVOKE-1', undefined, 'REFUSED');
    const response = await e2e.client.verify('LC-REVOKE-1', { code }, token);

    expect(response.status).toBe(410);
    expect(response.body.code).toBe('REVOKED');
  });

  it.each(['Parcel Returned', 'Shipment Cancelled'])(
    '%s revokes the code and no further code is issued',
    async (detailType) => {
      const parcelId = `LC-CLOSE-${detailType.split(' ')[1]}`;
      const { code, token, recipient } = await e2e.readyForHandover(parcelId);

      await e2e.publish(detailType, { parcelId });
      await failAttempt(parcelId, tomorrowPlus(1));
      const response = await e2e.client.verify(parcelId, { code }, token);

      expect(response.status).toBe(410);
      expect(await e2e.client.emailsTo(recipient)).toHaveLength(1);
      expect((await e2e.item(parcelId))?.closedAt?.N).toBeDefined();
    },
  );
});

describe('delivery lifecycle: late and impossible events', () => {
  it('ignores a late Out For Delivery from before the reissue: the old driver cannot take the new code', async () => {
    const { recipient } = await e2e.readyForHandover('LC-STALE-1', 'D-OLD');
    const staleTime = new Date(Date.now() - 3_600_000);
    await failAttempt('LC-STALE-1', tomorrowPlus(1));
    await e2e.publish('Parcel Out For Delivery', {
      parcelId: 'LC-STALE-1',
      driverId: 'D-NEW',
      deliveryDate: tomorrowPlus(1),
    });
    const fresh = codeFromEmail((await e2e.client.emailsTo(recipient))[1]?.text ?? '') as string;

    await publishAt(
      'Parcel Out For Delivery',
      { parcelId: 'LC-STALE-1', driverId: 'D-OLD', deliveryDate: tomorrowPlus(0) },
      staleTime,
    );
    await e2e.sandbox.settled();
    const oldDriver = await e2e.client.verify(
      'LC-STALE-1',
      { code: fresh },
      await e2e.client.driverToken('D-OLD'),
    );
    const newDriver = await e2e.client.verify(
      'LC-STALE-1',
      { code: fresh },
      await e2e.client.driverToken('D-NEW'),
    );

    expect(oldDriver.status).toBe(403);
    expect(newDriver.status).toBe(200);
  });

  it('keeps the next attempt’s driver when its Out For Delivery arrived before the late Delivery Attempt Failed', async () => {
    const { recipient } = await e2e.readyForHandover('LC-LATEFAIL-1', 'D-FIRST');
    await e2e.publish('Parcel Out For Delivery', {
      parcelId: 'LC-LATEFAIL-1',
      driverId: 'D-NEXT',
      deliveryDate: tomorrowPlus(1),
    });

    await publishAt(
      'Delivery Attempt Failed',
      {
        parcelId: 'LC-LATEFAIL-1',
        driverId: 'D-FIRST',
        reason: 'NOBODY_HOME',
        nextAttemptDate: tomorrowPlus(1),
      },
      new Date(Date.now() - 60_000),
    );
    const fresh = codeFromEmail((await e2e.client.emailsTo(recipient))[1]?.text ?? '') as string;
    const response = await e2e.client.verify(
      'LC-LATEFAIL-1',
      { code: fresh },
      await e2e.client.driverToken('D-NEXT'),
    );

    expect(fresh).toMatch(/^\d{6}$/);
    expect(response.status).toBe(200);
  });

  it('leaves the reissued code working when a failure without a date, older than the reissue, arrives late', async () => {
    const { recipient } = await e2e.readyForHandover('LC-LATEREVOKE-1', 'D-1');
    await failAttempt('LC-LATEREVOKE-1', tomorrowPlus(1));
    await e2e.publish('Parcel Out For Delivery', {
      parcelId: 'LC-LATEREVOKE-1',
      driverId: 'D-2',
      deliveryDate: tomorrowPlus(1),
    });
    const fresh = codeFromEmail((await e2e.client.emailsTo(recipient))[1]?.text ?? '') as string;

    await publishAt(
      'Delivery Attempt Failed',
      { parcelId: 'LC-LATEREVOKE-1', driverId: 'D-1', reason: 'REFUSED' },
      new Date(Date.now() - 3_600_000),
    );
    const response = await e2e.client.verify(
      'LC-LATEREVOKE-1',
      { code: fresh },
      await e2e.client.driverToken('D-2'),
    );

    expect(response.status).toBe(200);
    expect(await busEvents('Delivery Otp Revoked', 'LC-LATEREVOKE-1')).toEqual([]);
  });

  it('issues no code for a late dated failure older than the failure that revoked the code', async () => {
    const { code, token, recipient } = await e2e.readyForHandover('LC-LATEREISSUE-1');
    await failAttempt('LC-LATEREISSUE-1', undefined, 'REFUSED');

    await publishAt(
      'Delivery Attempt Failed',
      {
        parcelId: 'LC-LATEREISSUE-1',
        driverId: 'D-1',
        reason: 'NOBODY_HOME',
        nextAttemptDate: tomorrowPlus(1),
      },
      new Date(Date.now() - 3_600_000),
    );
    const response = await e2e.client.verify('LC-LATEREISSUE-1', { code }, token);

    expect(response.status).toBe(410);
    expect(await e2e.client.emailsTo(recipient)).toHaveLength(1);
    expect(await busEvents('Delivery Otp Reissued', 'LC-LATEREISSUE-1')).toEqual([]);
  });

  it('revokes the code when the next attempt date is impossible, and issues none', async () => {
    const { code, token, recipient } = await e2e.readyForHandover('LC-FAR-1');

    await failAttempt('LC-FAR-1', tomorrowPlus(400));
    const response = await e2e.client.verify('LC-FAR-1', { code }, token);

    expect(response.status).toBe(410);
    expect(await e2e.client.emailsTo(recipient)).toHaveLength(1);
    expect((await busEvents('Delivery Otp Revoked', 'LC-FAR-1')).length).toBeGreaterThan(0);
  });
});

describe('delivery lifecycle: events that arrive before the code', () => {
  it('keeps an Out For Delivery that arrives before the code is issued: the driver can verify without another', async () => {
    await e2e.publish('Parcel Out For Delivery', {
      parcelId: 'LC-EARLY-1',
      driverId: 'D-EARLY',
      deliveryDate: tomorrowPlus(0),
    });

    const { emails } = await e2e.ship('LC-EARLY-1');
    const code = codeFromEmail(emails[0]?.text ?? '') as string;
    const response = await e2e.client.verify('LC-EARLY-1', { code }, await e2e.client.driverToken('D-EARLY'));

    expect(emails).toHaveLength(1);
    expect(response.status).toBe(200);
  });

  it('issues no code for a parcel cancelled before its Parcel Shipped was processed', async () => {
    await e2e.publish('Shipment Cancelled', { parcelId: 'LC-EARLYCANCEL-1' });

    const { emails } = await e2e.ship('LC-EARLYCANCEL-1');
    const executions = (await e2e.client.executions()).filter(
      (execution) =>
        execution.input.includes('LC-EARLYCANCEL-1') && execution.input.includes('Parcel Shipped'),
    );

    expect(emails).toHaveLength(0);
    expect(executions.map((execution) => execution.status)).toEqual(['SUCCEEDED']);
    expect((await e2e.item('LC-EARLYCANCEL-1'))?.issueId).toBeUndefined();
    // Nothing was revoked: no code existed to announce.
    expect(await busEvents('Delivery Otp Revoked', 'LC-EARLYCANCEL-1')).toEqual([]);
  });

  it('answers 404 for a parcel that only has an early binding, and never crashes on it', async () => {
    await e2e.publish('Parcel Out For Delivery', {
      parcelId: 'LC-PLACEHOLDER-1',
      driverId: 'D-1',
      deliveryDate: tomorrowPlus(0),
    });

    const response = await e2e.client.verify(
      'LC-PLACEHOLDER-1',
      { code: '123456' },
      await e2e.client.driverToken('D-1'),
    );

    expect(response.status).toBe(404);
  });
});

describe('recipient routes', () => {
  it('shows the current code under Track Package to the parcel’s recipient', async () => {
    const { code, recipient } = await e2e.readyForHandover('RC-TRACK-1');

    const response = await e2e.client.track('RC-TRACK-1', recipient.toUpperCase());

    expect(response.status).toBe(200);
    expect(response.body.code).toBe(code);
    expect(Date.parse(String(response.body.validUntil))).toBeGreaterThan(Date.now());
  });

  it('answers a wrong recipient exactly like a missing parcel (404), so the route is no oracle', async () => {
    await e2e.readyForHandover('RC-ORACLE-1');

    const wrongRecipient = await e2e.client.track('RC-ORACLE-1', 'someone@example.com');
    const missing = await e2e.client.track('RC-NOPE-1', 'someone@example.com');

    expect(wrongRecipient).toEqual(missing);
    expect(missing.status).toBe(404);
  });

  it('answers an X-Recipient-Email that is no ASCII address exactly like a wrong recipient: same status, body and headers', async () => {
    // Prepare
    const { recipient } = await e2e.readyForHandover('RC-ASCII-1');
    const [local, domain] = recipient.split('@') as [string, string];
    // What a client puts on the wire for a KELVIN SIGN (U+212A) look-alike: its UTF-8 bytes.
    const kelvinBytes = Buffer.from(`\u212A${local.slice(1)}@${domain}`, 'utf8').toString('latin1');
    const claims = [kelvinBytes, `${local}\u00A0@${domain}`, 'not-an-email', `${recipient},${recipient}`];

    // Act
    const wrongRecipient = await signedRecipientRequest(
      routePath(TRACK_PATH, { parcelId: 'RC-ASCII-1' }),
      'someone@example.com',
    );
    const answers = await Promise.all(
      claims.map((claim) => signedRecipientRequest(routePath(TRACK_PATH, { parcelId: 'RC-ASCII-1' }), claim)),
    );
    const resendAnswers = await Promise.all(
      claims.map((claim) =>
        signedRecipientRequest(routePath(RESEND_PATH, { parcelId: 'RC-ASCII-1' }), claim, 'POST'),
      ),
    );

    // Assess
    expect(wrongRecipient.status).toBe(404);
    for (const answer of [...answers, ...resendAnswers]) expect(answer).toEqual(wrongRecipient);
    expect(await e2e.client.emailsTo(recipient)).toHaveLength(1);
  });

  it('refuses unsigned or wrongly signed requests with 403', async () => {
    const { recipient } = await e2e.readyForHandover('RC-SIGN-1');

    const unsigned = await e2e.client.recipientRequest(
      'GET',
      routePath(TRACK_PATH, { parcelId: 'RC-SIGN-1' }),
      recipient,
      { signed: false },
    );

    expect(unsigned.status).toBe(403);
  });

  it('resends the same code at most three times; the fourth gets 429', async () => {
    const { code, recipient } = await e2e.readyForHandover('RC-RESEND-1');

    const statuses: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      statuses.push((await e2e.client.resend('RC-RESEND-1', recipient)).status);
    }
    const emails = await e2e.client.emailsTo(recipient);

    expect(statuses).toEqual([202, 202, 202, 429]);
    expect(emails).toHaveLength(4);
    expect(emails.map((email) => codeFromEmail(email.text))).toEqual([code, code, code, code]);
  });

  it('never lets a resend that races a reissue email the replaced code: the newest email carries the code that verifies', async () => {
    const parcelId = 'RC-RACE-1';
    const { code: first, recipient, token } = await e2e.readyForHandover(parcelId);
    const issueBefore = (await e2e.item(parcelId))?.issueId?.S;
    const failure = { parcelId, driverId: 'D-1', reason: 'NOBODY_HOME', nextAttemptDate: tomorrowPlus(1) };
    const failedAt = new Date();
    // The resend has counted and its email is on its way to SES, held there at this exact point.
    const ses = e2e.sandbox.faults.ses.hold('SendEmail');
    const resend = e2e.client.resend(parcelId, recipient);
    await ses.arrived;

    // The failure arrives meanwhile; the sandbox's short retries give up before SES is released.
    await publishAt('Delivery Attempt Failed', failure, failedAt);
    const issueWhileResending = (await e2e.item(parcelId))?.issueId?.S;
    ses.release();
    const resent = await resend;
    // The same event again, as the bus's retry or a DLQ redrive delivers it.
    await publishAt('Delivery Attempt Failed', failure, failedAt);
    await e2e.publish('Parcel Out For Delivery', {
      parcelId,
      driverId: 'D-1',
      deliveryDate: tomorrowPlus(1),
    });
    const codes = (await e2e.client.emailsTo(recipient)).map((email) => codeFromEmail(email.text));
    const newest = codes.at(-1) as string;
    const response = await e2e.client.verify(parcelId, { code: newest }, token);

    expect(resent.status).toBe(202);
    expect(issueWhileResending).toBe(issueBefore);
    expect(codes).toEqual([first, first, newest]);
    expect(response.status).toBe(200);
    expect(await busEvents('Delivery Otp Reissued', parcelId)).toHaveLength(1);
  });

  it('makes a reissue wait while a code SMS is on its way, so the SMS never carries a replaced code', async () => {
    // Prepare: the fallback's SMS of the current code is claimed and on its way (as its claim leaves it)
    const parcelId = 'RC-SMS-1';
    await e2e.readyForHandover(parcelId);
    const issueBefore = (await e2e.item(parcelId))?.issueId?.S;
    const now = Math.floor(Date.now() / 1000);
    await writeCodeItem(e2e.sandbox, parcelId, {
      set: {
        smsStatus: { S: 'SENDING' },
        smsClaimedAt: { N: String(now) },
        smsLeaseUntil: { N: String(now + 30) },
      },
    });
    const failure = { parcelId, driverId: 'D-1', reason: 'NOBODY_HOME', nextAttemptDate: tomorrowPlus(1) };
    const failedAt = new Date();

    // Act: the failure arrives meanwhile; then the SMS is sent and the same event is delivered again
    await publishAt('Delivery Attempt Failed', failure, failedAt);
    const issueWhileTexting = (await e2e.item(parcelId))?.issueId?.S;
    await writeCodeItem(e2e.sandbox, parcelId, {
      set: { smsStatus: { S: 'SENT' } },
      remove: ['smsLeaseUntil'],
    });
    await publishAt('Delivery Attempt Failed', failure, failedAt);
    const issueAfter = (await e2e.item(parcelId))?.issueId?.S;

    // Assess
    expect(issueWhileTexting).toBe(issueBefore);
    expect(issueAfter).not.toBe(issueBefore);
    expect(await busEvents('Delivery Otp Reissued', parcelId)).toHaveLength(1);
  });

  it('answers 503 TRY_AGAIN to a second resend while the first is being sent, and emails once', async () => {
    const parcelId = 'RC-RACE-2';
    const { recipient } = await e2e.readyForHandover(parcelId);
    const ses = e2e.sandbox.faults.ses.hold('SendEmail');
    const first = e2e.client.resend(parcelId, recipient);
    await ses.arrived;

    const second = await e2e.client.resend(parcelId, recipient);
    ses.release();

    expect(second.status).toBe(503);
    expect(second.body.code).toBe('TRY_AGAIN');
    expect((await first).status).toBe(202);
    expect(await e2e.client.emailsTo(recipient)).toHaveLength(2);
    expect((await e2e.item(parcelId))?.resendCount?.N).toBe('1');
  });

  it('emails the recipient a receipt after the handover, in their language', async () => {
    const { code, token, recipient } = await e2e.readyForHandover('RC-RECEIPT-1');

    await e2e.client.verify('RC-RECEIPT-1', { code }, token);
    await e2e.sandbox.settled();
    const emails = await e2e.client.emailsTo(recipient);

    expect(emails).toHaveLength(2);
    expect(emails[1]?.subject).toBe('Ihr Paket zur Bestellung O-RC-RECEIPT-1 wurde übergeben');
    expect(emails[1]?.text).toContain('RC-RECEIPT-1');
    expect(emails[1]?.text).toContain('Falls Sie das nicht waren');
    expect(emails[1]?.text).not.toContain(code);
    expect((await e2e.item('RC-RECEIPT-1'))?.receiptStatus?.S).toBe('SENT');
  });
});
