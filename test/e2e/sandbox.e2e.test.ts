import { readFileSync } from 'node:fs';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DisableRuleCommand,
  EnableRuleCommand,
  ListRulesCommand,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { beforeAll, describe, expect, it } from 'vitest';
import { codeFromEmail, otpTableName, type SandboxClient, shippedDetail } from '../../sandbox/app/client.ts';
import type { Sandbox } from '../../sandbox/app/sandbox.ts';
import { useSandbox, wrongCodeFor } from './harness.ts';

const e2e = useSandbox();
const { logLines, ship, readyForHandover } = e2e;
let sandbox: Sandbox;
let client: SandboxClient;
beforeAll(() => {
  sandbox = e2e.sandbox;
  client = e2e.client;
});

describe('sandbox end to end', () => {
  it('emails exactly one code for a high-value home delivery, never in the subject', async () => {
    const { emails } = await ship('E2E-HIGH-1');

    expect(emails).toHaveLength(1);
    const code = codeFromEmail(emails[0]?.text ?? '');
    expect(code).toMatch(/^\d{6}$/);
    expect(emails[0]?.subject).not.toContain(code);
    expect(emails[0]?.html).toContain(code);
  });

  it('sends no email for a low-value parcel or a locker delivery, and says why on the bus', async () => {
    const low = await ship('E2E-LOW-1', { declaredValue: { amount: 1999, currency: 'EUR' } });
    const locker = await ship('E2E-LOCKER-1', { destination: { type: 'LOCKER', timeZone: 'Europe/Berlin' } });

    expect(low.emails).toHaveLength(0);
    expect(locker.emails).toHaveLength(0);
    const notRequired = (await client.busEvents()).filter(
      (event) => event['detail-type'] === 'Delivery Otp Not Required',
    );
    expect(notRequired.map((event) => event.detail)).toEqual(
      expect.arrayContaining([
        { parcelId: 'E2E-LOW-1', reason: 'BELOW_THRESHOLD' },
        { parcelId: 'E2E-LOCKER-1', reason: 'DESTINATION_NOT_HOME' },
      ]),
    );
  });

  it('issues one code and sends one email when Parcel Shipped arrives several times', async () => {
    const detail = shippedDetail('E2E-DUP-1');
    const entry = { detailType: 'Parcel Shipped', detail };

    await client.publish([entry, entry, entry]);
    await client.publish([entry]);
    await sandbox.settled();

    const emails = await client.emailsTo((detail.recipient as { email: string }).email);
    expect(emails).toHaveLength(1);
    const issued = (await client.busEvents()).filter(
      (event) => event['detail-type'] === 'Delivery Otp Issued' && event.detail.parcelId === 'E2E-DUP-1',
    );
    expect(issued).toHaveLength(1);
  });

  it('answers a wrong code with 422 and the attempts remaining', async () => {
    const { code, token } = await readyForHandover('E2E-WRONG-1');

    const response = await client.verify('E2E-WRONG-1', { code: wrongCodeFor(code) }, token);

    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ code: 'WRONG_CODE', attemptsRemaining: 4 });
  });

  it('verifies the right code with 200 and puts Parcel Handover Verified on the bus; a replay gets 409', async () => {
    const { code, token } = await readyForHandover('E2E-RIGHT-1', 'D-7');

    const first = await client.verify('E2E-RIGHT-1', { code }, token);
    await sandbox.settled();
    const replay = await client.verify('E2E-RIGHT-1', { code }, token);

    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ code: 'VERIFIED', parcelId: 'E2E-RIGHT-1' });
    const verified = (await client.busEvents()).filter(
      (event) =>
        event['detail-type'] === 'Parcel Handover Verified' && event.detail.parcelId === 'E2E-RIGHT-1',
    );
    expect(verified).toHaveLength(1);
    // Exactly the contract's detail, published from the table's stream with the instant the answer gave.
    expect(verified[0]?.detail).toEqual({
      parcelId: 'E2E-RIGHT-1',
      driverId: 'D-7',
      verifiedAt: (first.body as { verifiedAt: string }).verifiedAt,
    });
    expect(verified[0]?.source).toBe('secure-delivery');
    expect(JSON.stringify(verified[0])).not.toContain(code);
    expect(replay.status).toBe(409);
  });

  it('refuses another driver with 403, even with the right code', async () => {
    const { code } = await readyForHandover('E2E-OTHER-1', 'D-1');
    const otherToken = await client.driverToken('D-2');

    const response = await client.verify('E2E-OTHER-1', { code }, otherToken);

    expect(response.status).toBe(403);
  });

  it('answers 401 without a token or with a forged one', async () => {
    const { code, token } = await readyForHandover('E2E-NOTOKEN-1');
    const [header, payload] = token.split('.');

    const missing = await client.verify('E2E-NOTOKEN-1', { code });
    const forged = await client.verify('E2E-NOTOKEN-1', { code }, `${header}.${payload}.c2lnbmF0dXJl`);

    expect(missing.status).toBe(401);
    expect(forged.status).toBe(401);
  });

  it('locks the code with 423 after five wrong codes, and then refuses the right code too', async () => {
    const { code, token } = await readyForHandover('E2E-LOCK-1');
    const statuses: number[] = [];

    for (let attempt = 0; attempt < 5; attempt++) {
      statuses.push((await client.verify('E2E-LOCK-1', { code: wrongCodeFor(code) }, token)).status);
    }
    const right = await client.verify('E2E-LOCK-1', { code }, token);

    expect(statuses).toEqual([422, 422, 422, 422, 423]);
    expect(right.status).toBe(423);
    expect(right.body).toMatchObject({ code: 'LOCKED' });
  });

  it('answers malformed requests with 4xx and a reason', async () => {
    const token = await client.driverToken('D-1');

    const badJson = await client.verify('E2E-ANY', '{"code":', token);
    const shortCode = await client.verify('E2E-ANY', { code: '12345' }, token);
    const unicodeDigits = await client.verify('E2E-ANY', { code: '١٢٣٤٥٦' }, token);
    const unknownParcel = await client.verify('E2E-NONE', { code: '123456' }, token);

    expect([badJson.status, shortCode.status, unicodeDigits.status]).toEqual([400, 400, 400]);
    expect(shortCode.body.code).toBe('INVALID_CODE_FORMAT');
    // An unknown parcel is refused like another driver's: no driver can probe which parcels have codes.
    expect(unknownParcel.status).toBe(403);
    expect(unknownParcel.body.code).toBe('NOT_ASSIGNED');
  });

  it('fails a malformed Parcel Shipped at its first step with a typed error naming the field, writing nothing', async () => {
    const detail = shippedDetail('E2E-BAD-1', { declaredValue: { amount: -5, currency: 'EUR' } });

    await client.publish([{ detailType: 'Parcel Shipped', detail }]);
    await sandbox.settled();

    const causes = (await client.executions()).filter((execution) => execution.status === 'FAILED');
    const failure = causes.find((execution) => execution.input?.includes('E2E-BAD-1'));
    expect(failure?.error).toBe('InvalidParcelEventError');
    expect(failure?.cause).toContain('detail.declaredValue.amount');
    expect(await client.emailsTo((detail.recipient as { email: string }).email)).toHaveLength(0);
    expect(await e2e.item('E2E-BAD-1')).toBeUndefined();
  });

  it('refuses a Parcel Shipped whose recipient name hides text or holds a link: no code, no email, the field named', async () => {
    // Prepare
    const names = { 'E2E-NAME-BIDI-1': 'Alex \u202Emoc.live', 'E2E-NAME-LINK-1': 'Alex, see www.evil.com' };
    const details = Object.entries(names).map(([parcelId, name]) =>
      shippedDetail(parcelId, {
        recipient: { email: `${parcelId.toLowerCase()}@example.com`, name, locale: 'en-GB' },
      }),
    );

    // Act
    await client.publish(details.map((detail) => ({ detailType: 'Parcel Shipped', detail })));
    await sandbox.settled();

    // Assess
    // Express executions are observed through the sandbox's inspection endpoint (AWS keeps no history).
    const executions = (await client.executions()).filter((execution) => execution.status === 'FAILED');
    for (const parcelId of Object.keys(names)) {
      const failure = executions.find((execution) => execution.input?.includes(parcelId));
      expect(failure?.error).toBe('InvalidParcelEventError');
      expect(failure?.cause).toContain('detail.recipient.name');
      expect(await client.emailsTo(`${parcelId.toLowerCase()}@example.com`)).toHaveLength(0);
      expect(await e2e.item(parcelId)).toBeUndefined();
    }
  });

  it('never logs a code or a recipient email address', async () => {
    const { code, recipient } = await readyForHandover('E2E-LOGS-1');
    await client.verify('E2E-LOGS-1', { code: wrongCodeFor(code) }, await client.driverToken('D-1'));
    await client.verify('E2E-LOGS-1', { code }, await client.driverToken('D-1'));
    await sandbox.settled();

    const leaks = logLines.filter((line) => line.includes(code) || line.includes(recipient));

    expect(logLines.length).toBeGreaterThan(10);
    expect(leaks).toEqual([]);
  });

  it('answers TestEventPattern through the SDK for every conformance case, as EventBridge does', async () => {
    const cases = JSON.parse(
      readFileSync(new URL('../fixtures/eventbridge-patterns/cases.json', import.meta.url), 'utf8'),
    ) as { name: string; expect: 'match' | 'no-match' | 'invalid'; event: unknown; pattern: unknown }[];
    const outcomes: string[] = [];

    for (const testCase of cases) {
      const command = new TestEventPatternCommand({
        EventPattern: JSON.stringify(testCase.pattern),
        Event: JSON.stringify(testCase.event),
      });
      const outcome = await client.events.send(command).then(
        (output) => (output.Result ? 'match' : 'no-match'),
        (error: Error) => (error.name === 'InvalidEventPatternException' ? 'invalid' : error.name),
      );
      outcomes.push(`${testCase.name}: ${outcome}`);
    }

    expect(cases).toHaveLength(127);
    expect(outcomes).toEqual(cases.map((testCase) => `${testCase.name}: ${testCase.expect}`));
  });

  it('stops delivering a disabled rule until it is enabled again', async () => {
    const { eventBusName } = sandbox.endpoints;
    const { Rules = [] } = await client.events.send(new ListRulesCommand({ EventBusName: eventBusName }));
    const shippedRule = Rules.find((rule) => rule.Name?.includes('ParcelShipped'))?.Name as string;

    await client.events.send(new DisableRuleCommand({ Name: shippedRule, EventBusName: eventBusName }));
    const whileDisabled = await ship('E2E-DISABLED-1');
    await client.events.send(new EnableRuleCommand({ Name: shippedRule, EventBusName: eventBusName }));
    const afterEnabled = await ship('E2E-DISABLED-2');

    expect(whileDisabled.emails).toHaveLength(0);
    expect(afterEnabled.emails).toHaveLength(1);
  });

  it('decides expiry by the expiresAt attribute, never by TTL: an expired item TTL has not removed yet answers 410', async () => {
    const now = Math.floor(Date.now() / 1000);
    await putRawItem({ parcelId: 'E2E-EXPIRED-1', expiresAt: now - 60, ttl: now + 86_400 });

    const response = await client.verify(
      'E2E-EXPIRED-1',
      { code: '123456' },
      await client.driverToken('D-1'),
    );

    expect(response.status).toBe(410);
    expect(response.body.code).toBe('EXPIRED');
  });

  it('emulates TTL: the sweep deletes items whose ttl has passed and keeps the rest', async () => {
    const now = Math.floor(Date.now() / 1000);
    await putRawItem({ parcelId: 'E2E-TTL-GONE', expiresAt: now - 90_000, ttl: now - 10 });
    await putRawItem({ parcelId: 'E2E-TTL-KEPT', expiresAt: now - 90_000, ttl: now + 3_600 });

    await sandbox.sweepExpired(now);

    expect(await e2e.item('E2E-TTL-GONE')).toBeUndefined();
    expect(await e2e.item('E2E-TTL-KEPT')).toBeDefined();
  });
});

describe('what the sandbox does not emulate', () => {
  it("answers no EventBridge Schema Registry call: the template's AWS::EventSchemas resources are ignored", async () => {
    // Act: ListRegistries as the Schemas API's REST path, on the sandbox's AWS endpoint
    const response = await fetch(new URL('/v1/registries', e2e.sandbox.endpoints.eventsEndpoint));

    // Assess
    expect(response.status).toBe(404);
  });
});

/** Writes a code record straight into the table, as an earlier run would have left it. */
async function putRawItem(fields: { parcelId: string; expiresAt: number; ttl: number }): Promise<void> {
  const { endpoints } = e2e.sandbox;
  const ddb = new DynamoDBClient({
    endpoint: endpoints.dynamodbEndpoint,
    region: endpoints.region,
    credentials: endpoints.credentials,
  });
  const table = await otpTableName(ddb);
  await ddb.send(
    new PutItemCommand({
      TableName: table,
      Item: {
        parcelId: { S: fields.parcelId },
        issueId: { S: 'issue-raw' },
        codeHash: { S: 'not-a-real-hash' },
        status: { S: 'ISSUED' },
        driverId: { S: 'D-1' },
        expiresAt: { N: String(fields.expiresAt) },
        ttl: { N: String(fields.ttl) },
        wrongAttempts: { N: '0' },
        totalWrongAttempts: { N: '0' },
      },
    }),
  );
}
