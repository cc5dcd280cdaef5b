import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveKey } from '../../lambdas/domain/keys.ts';
import { decryptOtpCode } from '../../lambdas/domain/otp-code.ts';
import {
  codeFromEmail,
  codeHashOf,
  type Harness,
  itemOf,
  newExecutions,
  printFigure,
  putShipped,
  recipientOf,
  secretString,
  shippedDetail,
  startHarness,
  structuredLogs,
  verify,
  wrongCodeFor,
} from './support.ts';

let h: Harness;
const figures = { logLines: 0, parcels: 0, secretsChecked: 0, executionsChecked: 0, leaks: 0, dataLost: 0 };

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.stop();
  printFigure(
    `FIGURE secrets-in-logs: logLines=${figures.logLines} parcels=${figures.parcels} ` +
      `secretsChecked=${figures.secretsChecked} executionsChecked=${figures.executionsChecked} ` +
      `leaks=${figures.leaks} dataLost=${figures.dataLost}`,
  );
});

/** A secret and how to find it in a line; a code counts only as a number of its own, not inside a longer one. */
interface Secret {
  readonly what: string;
  readonly found: (line: string) => boolean;
}
const literal = (what: string, value: string): Secret => ({ what, found: (line) => line.includes(value) });
const sixDigits = (what: string, code: string): Secret => {
  const pattern = new RegExp(`(?<![0-9A-Za-z])${code}(?![0-9A-Za-z])`);
  return { what, found: (line) => pattern.test(line) };
};

describe('secrets in logs', () => {
  it('never logs a code, its hash, its ciphertext, a recipient email, a key or a token over a whole flow, and keeps codes out of workflow state and emitted events', async () => {
    // Prepare
    const driverId = 'D-SEC-1';
    const high = ['SEC-1', 'SEC-2', 'SEC-3'].map((id) => shippedDetail(id));
    const low = shippedDetail('SEC-LOW-1', { declaredValue: { amount: 1999, currency: 'EUR' } });
    const rejected = shippedDetail('SEC-REJECTED-1');
    // Emails that bounce: one recipient with a phone (the code goes by SMS), one without (Undeliverable).
    const phone = '+4915100009999';
    const bouncedWithPhone = shippedDetail('SEC-SMS-1', {
      recipient: {
        email: 'bounce+sec1@simulator.amazonses.com',
        name: 'Alex Example',
        locale: 'de-DE',
        phone,
      },
    });
    const bouncedWithoutPhone = shippedDetail('SEC-SMS-2', {
      recipient: { email: 'bounce+sec2@simulator.amazonses.com', name: 'Alex Example', locale: 'en-GB' },
    });
    const malformed = [
      shippedDetail('SEC-BAD-1', { declaredValue: { amount: -5, currency: 'EUR' } }),
      shippedDetail('SEC-BAD-2', { expectedDeliveryDate: '2026-02-30' }),
      shippedDetail('SEC-BAD-3', { destination: { type: 'HOME', timeZone: 'Mars/Olympus' } }),
    ];
    const deliveryDate = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const encryptionKeySecret = await secretString(h, 'EncryptionKey');

    // Act: ship (with an SES throttle on the way), a duplicate, malformed events, a rejected email, handovers.
    h.sandbox.faults.ses.inject({ operation: 'SendEmail', status: 400, errorCode: 'Throttling', times: 2 });
    await putShipped(h, [...high, low, ...malformed, bouncedWithPhone, bouncedWithoutPhone]);
    await h.sandbox.settled();
    await putShipped(h, [high[0] as Record<string, unknown>]);
    h.sandbox.faults.ses.inject({
      operation: 'SendEmail',
      status: 400,
      errorCode: 'MessageRejected',
      times: 1,
    });
    await putShipped(h, [rejected]);
    await h.sandbox.settled();
    h.sandbox.faults.ses.clear();
    await h.client.publish(
      [...high, rejected].map((detail) => ({
        detailType: 'Parcel Out For Delivery',
        detail: { parcelId: detail.parcelId, driverId, deliveryDate },
      })),
    );
    await h.sandbox.settled();
    const token = await h.client.driverToken(driverId);
    const otherToken = await h.client.driverToken('D-SEC-2');
    const handovers: number[] = [];
    const emailCounts: number[] = [];
    const codes = new Map<string, string>();
    for (const detail of high) {
      const parcelId = detail.parcelId as string;
      const emails = await h.client.emailsTo(recipientOf(detail));
      const code = codeFromEmail(emails[0]?.text ?? '') ?? '';
      if (emails.length !== 1) figures.dataLost++;
      emailCounts.push(emails.length);
      codes.set(parcelId, code);
      handovers.push((await verify(h, parcelId, wrongCodeFor(code), token)).status);
      handovers.push((await verify(h, parcelId, code, otherToken)).status);
      handovers.push((await verify(h, parcelId, code, token)).status);
      handovers.push((await verify(h, parcelId, code, token)).status);
    }
    await h.sandbox.settled();

    // Assess: the flow did what it should, so the scan below covers every path.
    expect(emailCounts).toEqual([1, 1, 1]); // the duplicate Parcel Shipped sent nothing
    expect(handovers).toEqual([422, 403, 200, 409, 422, 403, 200, 409, 422, 403, 200, 409]);
    expect(await h.client.emailsTo(recipientOf(rejected))).toEqual([]);
    const texts = (await (await fetch(h.sandbox.endpoints.smsInboxUrl)).json()) as {
      destinationPhoneNumber: string;
      messageBody: string;
    }[];
    expect(texts.filter((text) => text.destinationPhoneNumber === phone)).toHaveLength(1);
    expect(
      (await h.client.busEvents()).filter((event) => event['detail-type'] === 'Delivery Otp Undeliverable'),
    ).toHaveLength(1);
    const encryptionKey = deriveKey(encryptionKeySecret, 'otp-encryption');
    const secrets: Secret[] = [
      literal('encryption key secret', encryptionKeySecret),
      literal('encryption key (hex)', Buffer.from(encryptionKey).toString('hex')),
      literal('driver token', token),
      literal('driver token signature', token.split('.')[2] ?? token),
      literal('other driver token', otherToken),
    ];
    const codeSecrets: Secret[] = [];
    secrets.push(literal('recipient phone', phone), literal('recipient phone digits', phone.slice(1)));
    for (const detail of [...high, rejected, bouncedWithPhone, bouncedWithoutPhone]) {
      const parcelId = detail.parcelId as string;
      const item = await itemOf(h, parcelId);
      if (!item) figures.dataLost++;
      const storedHash = item?.codeHash?.S ?? '';
      const ciphertext = item?.codeCiphertext?.S ?? '';
      // The stored code, decrypted as the send step does; for emailed parcels it is the code in the email.
      const code = decryptOtpCode(encryptionKey, parcelId, item?.issueId?.S ?? '', ciphertext);
      if (codes.has(parcelId)) expect(code, parcelId).toBe(codes.get(parcelId));
      // The KMS key's MAC of the decrypted code is the hash the table was written with.
      expect(await codeHashOf(h, parcelId, code), parcelId).toBe(storedHash);
      codeSecrets.push(
        sixDigits(`code of ${parcelId}`, code),
        literal(`code hash of ${parcelId}`, storedHash),
        literal(`code ciphertext of ${parcelId}`, ciphertext),
      );
      secrets.push(literal(`recipient of ${parcelId}`, recipientOf(detail)));
    }
    for (const detail of [low, ...malformed])
      secrets.push(literal(`recipient of ${String(detail.parcelId)}`, recipientOf(detail)));
    secrets.push(...codeSecrets);
    figures.parcels = high.length + 1 + 1 + malformed.length + 2;
    figures.secretsChecked = secrets.length;

    // Every line printed: the capture saw the handlers' structured logs, all of them.
    const lines = [...h.logs];
    figures.logLines = lines.length;
    const verifyLines = structuredLogs(lines).filter((line) => line.message === 'Verify');
    expect(verifyLines.map((line) => line.outcome).filter((outcome) => outcome === 'VERIFIED')).toHaveLength(
      3,
    );
    expect(lines.some((line) => line.includes('InvalidParcelEventError'))).toBe(true);
    const leaks = lines.flatMap((line) =>
      secrets.filter((secret) => secret.found(line)).map((secret) => `${secret.what}: ${line.slice(0, 300)}`),
    );
    figures.leaks += leaks.length;
    expect(leaks).toEqual([]);

    // Workflow state never holds a code, hash or ciphertext (decision 4), and neither do the product's own events.
    const executions = await newExecutions(h, new Set());
    figures.executionsChecked = executions.length;
    const state = executions.map(
      (execution) => `${execution.input ?? ''}\n${execution.output ?? ''}\n${execution.cause ?? ''}`,
    );
    expect(
      state.flatMap((text) =>
        codeSecrets.filter((secret) => secret.found(text)).map((secret) => secret.what),
      ),
    ).toEqual([]);
    // The product's own events; SES's (source aws.ses, on the default bus) name the recipient by SES's design.
    const ownEvents = (await h.client.busEvents()).filter(
      (event) => event.source !== h.sandbox.endpoints.eventSource && event.source !== 'aws.ses',
    );
    expect(ownEvents.length).toBeGreaterThan(0);
    const eventText = ownEvents.map((event) => JSON.stringify(event));
    expect(
      eventText.flatMap((text) =>
        secrets.filter((secret) => secret.found(text)).map((secret) => secret.what),
      ),
    ).toEqual([]);
  });
});
