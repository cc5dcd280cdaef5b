/**
 * The sandbox as clients other than the JS SDK see it: raw HTTP requests shaped exactly as the AWS CLI
 * (botocore) sends them (JSON 1.0/1.1 with X-Amz-Target, the query protocol for SES v1, SigV4 signed),
 * curl's own SigV4 signing, and presigned URLs. Each answer is the one AWS gives.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { RESEND_PATH, routePath, TRACK_PATH, VERIFY_PATH } from '../../lambdas/contracts/http/paths.ts';
import { codeFromEmail, shippedDetail } from '../../sandbox/app/client.ts';
import type { SandboxEndpoints } from '../../sandbox/app/sandbox.ts';
import { SANDBOX_SENDER_EMAIL } from '../../sandbox/app/synth.ts';
import { botocorePresign, botocoreSign } from '../support/botocore-signer.ts';
import { useSandbox } from './harness.ts';

const run = promisify(execFile);
const e2e = useSandbox();
let endpoints: SandboxEndpoints;
beforeAll(() => {
  endpoints = e2e.sandbox.endpoints;
});

/** What the AWS CLI sends for a JSON-protocol call: botocore's headers, signed with the demo credentials. */
async function cli(
  service: 'events' | 'states' | 'dynamodb',
  target: string,
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const url = service === 'dynamodb' ? endpoints.dynamodbEndpoint : endpoints.eventsEndpoint;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const headers = botocoreSign(
    { ...endpoints.credentials, region: endpoints.region, service },
    {
      method: 'POST',
      url: `${url}/`,
      headers: {
        'X-Amz-Target': target,
        'Content-Type': `application/x-amz-json-${service === 'events' ? '1.1' : '1.0'}`,
        'User-Agent': 'aws-cli/1.33.0 Python/3.11 botocore/1.35.0',
      },
      body: text,
    },
  );
  const response = await fetch(`${url}/`, { method: 'POST', headers, body: text });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** An SES v1 (query protocol) call as the AWS CLI sends it. */
async function sesCli(parameters: Record<string, string>): Promise<{ status: number; text: string }> {
  const url = `${endpoints.sesEndpoint}/`;
  const body = new URLSearchParams({ ...parameters, Version: '2010-12-01' }).toString();
  const headers = botocoreSign(
    { ...endpoints.credentials, region: endpoints.region, service: 'ses' },
    {
      method: 'POST',
      url,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body,
    },
  );
  const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(5_000) });
  return { status: response.status, text: await response.text() };
}

/** curl with its own SigV4 signing (`--aws-sigv4`); returns the status and the body. */
async function curl(args: string[], key = endpoints.iam): Promise<{ status: number; body: string }> {
  const { stdout } = await run('curl', [
    '--silent',
    '--show-error',
    '--aws-sigv4',
    `aws:amz:${endpoints.region}:execute-api`,
    '--user',
    `${key.accessKeyId}:${key.secretAccessKey}`,
    '--write-out',
    '\n%{http_code}',
    ...args,
  ]);
  const lines = stdout.split('\n');
  return { status: Number(lines.pop()), body: lines.join('\n') };
}

/** A shipped parcel with a code, and its recipient. */
async function shipped(parcelId: string): Promise<{ code: string; recipient: string }> {
  const { emails, recipient } = await e2e.ship(parcelId);
  return { code: codeFromEmail(emails[0]?.text ?? '') as string, recipient };
}

describe('recipient routes signed by curl, botocore and presigned URLs', () => {
  it('answers 200 with the code to curl --aws-sigv4 with the shop backend keys', async () => {
    const { code, recipient } = await shipped('RC-CURL-1');

    const answer = await curl([
      '-H',
      `X-Recipient-Email: ${recipient}`,
      `${endpoints.apiUrl}${routePath(TRACK_PATH, { parcelId: 'RC-CURL-1' })}`,
    ]);

    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).code).toBe(code);
  });

  it('accepts a POST signed by curl (resend) and refuses curl signing with a wrong secret', async () => {
    const { recipient } = await shipped('RC-CURL-2');

    const resend = await curl([
      '-X',
      'POST',
      '-H',
      `X-Recipient-Email: ${recipient}`,
      `${endpoints.apiUrl}${routePath(RESEND_PATH, { parcelId: 'RC-CURL-2' })}`,
    ]);
    const forged = await curl(
      [
        '-H',
        `X-Recipient-Email: ${recipient}`,
        `${endpoints.apiUrl}${routePath(TRACK_PATH, { parcelId: 'RC-CURL-2' })}`,
      ],
      { accessKeyId: endpoints.iam.accessKeyId, secretAccessKey: 'guessed' },
    );

    expect(resend.status).toBe(202);
    expect(forged.status).toBe(403);
    expect(JSON.parse(forged.body)).toEqual({ message: 'Forbidden' });
  });

  it('answers 200 to a request signed as botocore signs it, without x-amz-content-sha256', async () => {
    const { code, recipient } = await shipped('RC-BOTO-1');
    const url = `${endpoints.apiUrl}${routePath(TRACK_PATH, { parcelId: 'RC-BOTO-1' })}`;

    const headers = botocoreSign(
      { ...endpoints.iam, region: endpoints.region },
      { method: 'GET', url, headers: { 'X-Recipient-Email': recipient } },
    );
    const response = await fetch(url, { headers });

    expect(headers).not.toHaveProperty('x-amz-content-sha256');
    expect(response.status).toBe(200);
    expect(((await response.json()) as { code: string }).code).toBe(code);
  });

  it('answers 200 to a presigned URL and 403 once its signature is altered', async () => {
    const { recipient } = await shipped('RC-PRESIGN-1');
    const url = botocorePresign(
      { ...endpoints.iam, region: endpoints.region },
      'GET',
      `${endpoints.apiUrl}${routePath(TRACK_PATH, { parcelId: 'RC-PRESIGN-1' })}`,
    );

    const good = await fetch(url, { headers: { 'X-Recipient-Email': recipient } });
    const altered = await fetch(
      url.replace(/.$/, (last) => (last === '0' ? '1' : '0')),
      {
        headers: { 'X-Recipient-Email': recipient },
      },
    );

    expect(good.status).toBe(200);
    expect(altered.status).toBe(403);
  });
});

describe('HTTP API request size, in API Gateway order: route, authorizer, payload quota', () => {
  const twoMiB = 'x'.repeat(2 * 1024 * 1024);

  it('answers 401 to a 2 MiB body without a token and 404 to one on an unknown route', async () => {
    const noToken = await fetch(`${endpoints.apiUrl}${routePath(VERIFY_PATH, { parcelId: 'RC-BIG-1' })}`, {
      method: 'POST',
      body: twoMiB,
    });
    const unknown = await fetch(`${endpoints.apiUrl}/nowhere`, { method: 'POST', body: twoMiB });

    expect([noToken.status, unknown.status]).toEqual([401, 404]);
    expect(await noToken.json()).toEqual({ message: 'Unauthorized' });
  });

  it('passes a 2 MiB body with a token to the function, which refuses it with 413', async () => {
    const token = await e2e.client.driverToken('D-BIG');

    const response = await fetch(`${endpoints.apiUrl}${routePath(VERIFY_PATH, { parcelId: 'RC-BIG-2' })}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ code: twoMiB }),
    });

    expect(response.status).toBe(413);
    expect(((await response.json()) as { code: string }).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses a body over 10 MB with 413 before the function runs', async () => {
    const token = await e2e.client.driverToken('D-BIG');
    const invocations = () =>
      [...e2e.sandbox.functions.stats.values()].reduce((sum, stat) => sum + stat.invocations, 0);
    const before = invocations();

    const response = await fetch(`${endpoints.apiUrl}${routePath(VERIFY_PATH, { parcelId: 'RC-BIG-3' })}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: 'x'.repeat(10 * 1024 * 1024 + 1),
    });

    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ message: 'Request Entity Too Large' });
    expect(invocations()).toBe(before);
  });
});

describe('Step Functions as the AWS CLI calls it', () => {
  let machineArn: string;
  beforeAll(async () => {
    const { json } = await cli('states', 'AWSStepFunctions.ListStateMachines', {});
    machineArn = (json.stateMachines as { stateMachineArn: string }[])[0]?.stateMachineArn as string;
  });

  it('answers StartExecution with input that is not JSON with 400 InvalidExecutionInput', async () => {
    const answer = await cli('states', 'AWSStepFunctions.StartExecution', {
      stateMachineArn: machineArn,
      input: '{not json',
    });

    expect(answer.status).toBe(400);
    expect(answer.json.__type).toBe('InvalidExecutionInput');
  });

  it('refuses ListExecutions on an Express machine and DescribeExecution on an Express execution, as AWS does', async () => {
    const started = await cli('states', 'AWSStepFunctions.StartExecution', {
      stateMachineArn: machineArn,
      input: JSON.stringify({ 'detail-type': 'Parcel Shipped', detail: shippedDetail('RC-SFN-1') }),
    });
    const executionArn = String(started.json.executionArn);

    const listed = await cli('states', 'AWSStepFunctions.ListExecutions', { stateMachineArn: machineArn });
    const described = await cli('states', 'AWSStepFunctions.DescribeExecution', { executionArn });

    expect(executionArn).toContain(':express:');
    expect([listed.status, listed.json.__type]).toEqual([400, 'StateMachineTypeNotSupported']);
    expect([described.status, described.json.__type]).toEqual([400, 'InvalidArn']);
    await e2e.sandbox.settled();
  });

  it('answers ListExecutions on a machine that does not exist with StateMachineDoesNotExist', async () => {
    const answer = await cli('states', 'AWSStepFunctions.ListExecutions', {
      stateMachineArn: `arn:aws:states:${endpoints.region}:000000000000:stateMachine:Missing`,
    });

    expect([answer.status, answer.json.__type]).toEqual([400, 'StateMachineDoesNotExist']);
  });

  it('lists every execution with its outcome at the sandbox-only inspection endpoint', async () => {
    await e2e.ship('RC-INSPECT-1');

    const executions = await e2e.client.executions();

    const run = executions.find((execution) => execution.input.includes('RC-INSPECT-1'));
    expect(endpoints.inspectExecutionsUrl).toContain('/_sandbox/');
    expect(run?.status).toBe('SUCCEEDED');
  });
});

describe('EventBridge as the AWS CLI calls it', () => {
  const entry = (overrides: Record<string, unknown> = {}) => ({
    EventBusName: endpoints.eventBusName,
    Source: endpoints.eventSource,
    DetailType: 'Parcel Shipped',
    Detail: JSON.stringify(shippedDetail('RC-EB-1', { declaredValue: { amount: 1, currency: 'EUR' } })),
    ...overrides,
  });

  it('pages ListRules by NamePrefix and Limit, by name, with each rule ARN, pattern and description', async () => {
    const all = await cli('events', 'AWSEvents.ListRules', { EventBusName: endpoints.eventBusName });
    const rules = all.json.Rules as {
      Name: string;
      Arn: string;
      EventPattern: string;
      Description: string;
    }[];
    // A prefix two or more rules share, to page through; one rule's full name, to filter by.
    const prefix = sharedPrefix(rules.map((rule) => rule.Name));
    const onlyOne = await cli('events', 'AWSEvents.ListRules', {
      EventBusName: endpoints.eventBusName,
      NamePrefix: rules[0]?.Name,
    });

    const first = await cli('events', 'AWSEvents.ListRules', {
      EventBusName: endpoints.eventBusName,
      NamePrefix: prefix,
      Limit: 1,
    });
    const second = await cli('events', 'AWSEvents.ListRules', {
      EventBusName: endpoints.eventBusName,
      NamePrefix: prefix,
      Limit: 1,
      NextToken: first.json.NextToken,
    });

    expect(rules.length).toBeGreaterThan(1);
    expect(
      rules.every(
        (rule) =>
          rule.Arn ===
          `arn:aws:events:${endpoints.region}:000000000000:rule/${endpoints.eventBusName}/${rule.Name}`,
      ),
    ).toBe(true);
    expect(rules.map((rule) => rule.Name)).toEqual(rules.map((rule) => rule.Name).sort());
    expect(rules.every((rule) => rule.Description.length > 0)).toBe(true);
    expect(rules.some((rule) => JSON.parse(rule.EventPattern).source?.[0] === endpoints.eventSource)).toBe(
      true,
    );
    expect((onlyOne.json.Rules as { Name: string }[]).map((rule) => rule.Name)).toEqual([rules[0]?.Name]);
    expect(first.json.Rules).toHaveLength(1);
    expect((first.json.Rules as { Name: string }[])[0]?.Name.startsWith(prefix)).toBe(true);
    expect((second.json.Rules as { Name: string }[])[0]?.Name).not.toBe(
      (first.json.Rules as { Name: string }[])[0]?.Name,
    );
  });

  it('refuses a TestEventPattern event that lacks a mandatory field with ValidationException', async () => {
    const answer = await cli('events', 'AWSEvents.TestEventPattern', {
      EventPattern: JSON.stringify({ source: ['carrier.dispatch'] }),
      Event: JSON.stringify({ source: 'carrier.dispatch', 'detail-type': 'x', detail: {} }),
    });

    expect([answer.status, answer.json.__type, answer.json.message]).toEqual([
      400,
      'ValidationException',
      'Parameter Event is not valid.',
    ]);
  });

  it('fails a PutEvents entry with an aws.* source with NotAuthorizedForSourceException and accepts the others', async () => {
    const answer = await cli('events', 'AWSEvents.PutEvents', {
      Entries: [entry({ Source: 'aws.s3' }), entry()],
    });

    expect(answer.status).toBe(200);
    expect(answer.json.FailedEntryCount).toBe(1);
    expect((answer.json.Entries as { ErrorCode?: string }[])[0]?.ErrorCode).toBe(
      'NotAuthorizedForSourceException',
    );
    await e2e.sandbox.settled();
  });

  it('refuses {"Entries":[null]} with a ValidationException that names no JavaScript error', async () => {
    const answer = await cli('events', 'AWSEvents.PutEvents', '{"Entries":[null]}');

    expect([answer.status, answer.json.__type]).toEqual([400, 'ValidationException']);
    expect(String(answer.json.message)).not.toMatch(/TypeError|undefined|Cannot read/);
  });

  it('refuses 11 entries, more than 1 MB of entries in a request, and a Time that is not a timestamp', async () => {
    const eleven = await cli('events', 'AWSEvents.PutEvents', {
      Entries: Array.from({ length: 11 }, () => entry()),
    });
    const padding = 'x'.repeat(300 * 1024);
    const tooBig = await cli('events', 'AWSEvents.PutEvents', {
      Entries: Array.from({ length: 4 }, () => entry({ Detail: JSON.stringify({ padding }) })),
    });
    const badTime = await cli('events', 'AWSEvents.PutEvents', { Entries: [entry({ Time: 'yesterday' })] });

    expect([eleven.status, eleven.json.__type]).toEqual([400, 'ValidationException']);
    expect([tooBig.status, tooBig.json.__type, tooBig.json.message]).toEqual([
      400,
      'ValidationException',
      'Total size of the entries in the request is over the limit.',
    ]);
    expect([badTime.status, badTime.json.__type]).toEqual([400, 'SerializationException']);
  });

  it('accepts a 300 KiB event but cannot start the workflow with it (256 KiB input): the delivery fails to the dead-letter queue', async () => {
    const detail = shippedDetail('RC-HUGE-1', { padding: 'x'.repeat(300 * 1024) });

    const answer = await cli('events', 'AWSEvents.PutEvents', {
      Entries: [entry({ Detail: JSON.stringify(detail) })],
    });
    await e2e.sandbox.settled();

    const eventId = (answer.json.Entries as { EventId?: string }[])[0]?.EventId as string;
    expect(answer.json.FailedEntryCount).toBe(0);
    const delivery = e2e.logLines.filter((line) => line.includes(`could not deliver id=${eventId}`));
    expect(delivery).toEqual([expect.stringContaining("Value at 'input' failed to satisfy constraint")]);
    expect((await e2e.client.executions()).some((execution) => execution.input.includes('RC-HUGE-1'))).toBe(
      false,
    );
  });

  it('refuses an entry whose Resources is not a list of strings with SerializationException', async () => {
    const answer = await cli('events', 'AWSEvents.PutEvents', {
      Entries: [entry({ Resources: 'arn:aws:s3:::b' })],
    });

    expect([answer.status, answer.json.__type]).toEqual([400, 'SerializationException']);
  });

  it('fails an entry whose Detail is not a JSON object with MalformedDetail', async () => {
    const answer = await cli('events', 'AWSEvents.PutEvents', { Entries: [entry({ Detail: '[1,2]' })] });

    expect((answer.json.Entries as { ErrorCode?: string }[])[0]?.ErrorCode).toBe('MalformedDetail');
  });

  it('takes an entry Time in epoch seconds as the event time', async () => {
    await cli('events', 'AWSEvents.PutEvents', {
      Entries: [
        entry({ Time: 1_767_225_600, DetailType: 'Sandbox Time Probe', Detail: '{"probe":"RC-TIME-1"}' }),
      ],
    });

    const events = await e2e.client.busEvents();

    const probe = events.find((event) => event.detail.probe === 'RC-TIME-1') as { time?: string } | undefined;
    expect(probe?.time).toBe('2026-01-01T00:00:00Z');
  });
});

describe('DynamoDB table settings as deployed from the template', () => {
  let tableName: string;
  beforeAll(async () => {
    const { json } = await cli('dynamodb', 'DynamoDB_20120810.ListTables', {});
    tableName = (json.TableNames as string[]).find((name) => name.startsWith('OtpTable')) as string;
  });

  it('reports TTL enabled on the template attribute, and stores UpdateTimeToLive', async () => {
    const before = await cli('dynamodb', 'DynamoDB_20120810.DescribeTimeToLive', { TableName: tableName });
    const disabled = await cli('dynamodb', 'DynamoDB_20120810.UpdateTimeToLive', {
      TableName: tableName,
      TimeToLiveSpecification: { Enabled: false, AttributeName: 'ttl' },
    });
    const after = await cli('dynamodb', 'DynamoDB_20120810.DescribeTimeToLive', { TableName: tableName });
    await cli('dynamodb', 'DynamoDB_20120810.UpdateTimeToLive', {
      TableName: tableName,
      TimeToLiveSpecification: { Enabled: true, AttributeName: 'ttl' },
    });

    expect(before.json).toEqual({
      TimeToLiveDescription: { TimeToLiveStatus: 'ENABLED', AttributeName: 'ttl' },
    });
    expect(disabled.status).toBe(200);
    expect(after.json).toEqual({ TimeToLiveDescription: { TimeToLiveStatus: 'DISABLED' } });
  });

  it('names the sandbox region and account in the table ARN', async () => {
    const answer = await cli('dynamodb', 'DynamoDB_20120810.DescribeTable', { TableName: tableName });

    expect((answer.json.Table as { TableArn: string }).TableArn).toBe(
      `arn:aws:dynamodb:${endpoints.region}:000000000000:table/${tableName}`,
    );
  });

  it('reports point-in-time recovery enabled, as the template sets it', async () => {
    const answer = await cli('dynamodb', 'DynamoDB_20120810.DescribeContinuousBackups', {
      TableName: tableName,
    });

    const description = answer.json.ContinuousBackupsDescription as {
      PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: string };
    };
    expect(description.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus).toBe('ENABLED');
  });

  it('refuses the expression mistakes DynamoDB refuses with ValidationException', async () => {
    const update = (fields: Record<string, unknown>) =>
      cli('dynamodb', 'DynamoDB_20120810.UpdateItem', {
        TableName: tableName,
        Key: { parcelId: { S: 'RC-EXPR-1' } },
        ...fields,
      });

    const answers = [
      // a reserved word used unaliased
      await update({ UpdateExpression: 'SET status = :s', ExpressionAttributeValues: { ':s': { S: 'X' } } }),
      // a value no expression uses
      await update({
        UpdateExpression: 'SET #s = :s',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': { S: 'X' }, ':unused': { N: '1' } },
      }),
      // a placeholder with no value
      await update({ UpdateExpression: 'SET #s = :missing', ExpressionAttributeNames: { '#s': 'status' } }),
      // a name no expression uses
      await update({
        UpdateExpression: 'SET #s = :s',
        ExpressionAttributeNames: { '#s': 'status', '#x': 'other' },
        ExpressionAttributeValues: { ':s': { S: 'X' } },
      }),
    ];

    expect(answers.map((answer) => [answer.status, answer.json.__type])).toEqual(
      // DynamoDB names its validation errors in the coral namespace, as dynalite does.
      Array.from({ length: 4 }, () => [400, 'com.amazon.coral.validate#ValidationException']),
    );
  });
});

describe('SES as the AWS CLI calls it', () => {
  it('refuses a v2 SendEmail to more than 50 recipients, as the v2 API does', async () => {
    const url = `${endpoints.sesEndpoint}/v2/email/outbound-emails`;
    const body = JSON.stringify({
      FromEmailAddress: SANDBOX_SENDER_EMAIL,
      Destination: { ToAddresses: Array.from({ length: 51 }, (_, index) => `r${index}@example.com`) },
      Content: { Simple: { Subject: { Data: 'Hello' }, Body: { Text: { Data: 'Hi' } } } },
    });
    const headers = botocoreSign(
      { ...endpoints.credentials, region: endpoints.region, service: 'ses' },
      { method: 'POST', url, headers: { 'Content-Type': 'application/json' }, body },
    );

    const response = await fetch(url, { method: 'POST', headers, body });

    expect([response.status, response.headers.get('x-amzn-errortype')]).toEqual([400, 'BadRequestException']);
  });

  it('passes a valid v2 SendEmail from the template sender to the emulator', async () => {
    const url = `${endpoints.sesEndpoint}/v2/email/outbound-emails`;
    const body = JSON.stringify({
      FromEmailAddress: SANDBOX_SENDER_EMAIL,
      Destination: { ToAddresses: ['rc-v2@example.com'] },
      Content: { Simple: { Subject: { Data: 'Hello' }, Body: { Text: { Data: 'Hi' } } } },
    });
    const headers = botocoreSign(
      { ...endpoints.credentials, region: endpoints.region, service: 'ses' },
      { method: 'POST', url, headers: { 'Content-Type': 'application/json' }, body },
    );

    const response = await fetch(url, { method: 'POST', headers, body });

    expect(response.status).toBe(200);
    expect(await e2e.client.emailsTo('rc-v2@example.com')).toHaveLength(1);
  });

  it('answers GetSendQuota and ListIdentities (the template sender) at once', async () => {
    const quota = await sesCli({ Action: 'GetSendQuota' });
    const identities = await sesCli({ Action: 'ListIdentities' });

    expect(quota.status).toBe(200);
    expect(quota.text).toMatch(/<Max24HourSend>\d+<\/Max24HourSend>/);
    expect(identities.text).toContain(`<member>${SANDBOX_SENDER_EMAIL}</member>`);
  });

  it('refuses an action it does not implement at once with InvalidAction', async () => {
    const answer = await sesCli({ Action: 'ListVerifiedEmailAddresses' });

    expect(answer.status).toBe(400);
    expect(answer.text).toContain('<Code>InvalidAction</Code>');
  });

  it('refuses SendEmail from an unverified source and to more than 50 recipients', async () => {
    const message = {
      'Message.Subject.Data': 'Hello',
      'Message.Body.Text.Data': 'Hi',
    };
    const recipients = Object.fromEntries(
      Array.from({ length: 51 }, (_, index) => [
        `Destination.ToAddresses.member.${index + 1}`,
        `r${index}@example.com`,
      ]),
    );

    const unverified = await sesCli({
      Action: 'SendEmail',
      Source: 'someone@elsewhere.example',
      'Destination.ToAddresses.member.1': 'rc@example.com',
      ...message,
    });
    const tooMany = await sesCli({
      Action: 'SendEmail',
      Source: SANDBOX_SENDER_EMAIL,
      ...recipients,
      ...message,
    });

    expect([unverified.status, unverified.text]).toEqual([
      400,
      expect.stringContaining('<Code>MessageRejected</Code>'),
    ]);
    expect([tooMany.status, tooMany.text]).toEqual([
      400,
      expect.stringContaining('<Code>InvalidParameterValue</Code>'),
    ]);
  });
});

/** The shortest name prefix that at least two of `names` have. */
function sharedPrefix(names: readonly string[]): string {
  for (let length = 1; length <= Math.max(...names.map((name) => name.length)); length++) {
    const found = names
      .map((name) => name.slice(0, length))
      .find((prefix) => names.filter((name) => name.startsWith(prefix)).length >= 2);
    if (found) return found;
  }
  throw new Error(`no prefix shared by two of ${names.join(', ')}`);
}
