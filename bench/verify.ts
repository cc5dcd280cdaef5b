import { createServer } from 'node:http';
import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DisableRuleCommand, EnableRuleCommand, ListRulesCommand } from '@aws-sdk/client-eventbridge';
import { DescribeKeyCommand, GenerateMacCommand, KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { otpTableName, type SandboxClient } from '../sandbox/client.ts';
import { close, listen } from '../sandbox/net.ts';
import type { Sandbox } from '../sandbox/sandbox.ts';
import { prepareParcels, runConcurrently } from './flow.ts';
import { percentile } from './stats.ts';

/**
 * DynamoDB and KMS requests made while `action` ran, with every other rule disabled (through the
 * EventBridge API) so the handover receipt a verify triggers does not count as the verify's own round trips.
 */
async function requestsDuring(
  sandbox: Sandbox,
  client: SandboxClient,
  action: () => Promise<unknown>,
): Promise<{ dynamodb: number; kms: number }> {
  const { eventBusName } = sandbox.endpoints;
  const rules = (await client.events.send(new ListRulesCommand({ EventBusName: eventBusName }))).Rules ?? [];
  for (const rule of rules)
    await client.events.send(new DisableRuleCommand({ Name: rule.Name, EventBusName: eventBusName }));
  await sandbox.settled();
  const before = { dynamodb: sandbox.faults.dynamodb.stats.requests, kms: sandbox.faults.kms.stats.requests };
  await action();
  await sandbox.settled();
  const requests = {
    dynamodb: sandbox.faults.dynamodb.stats.requests - before.dynamodb,
    kms: sandbox.faults.kms.stats.requests - before.kms,
  };
  for (const rule of rules)
    await client.events.send(new EnableRuleCommand({ Name: rule.Name, EventBusName: eventBusName }));
  return requests;
}

/** ARN of the template's one HMAC key, found as any caller would: ListKeys, then DescribeKey. */
async function hmacKeyArn(kms: KMSClient): Promise<string> {
  for (const key of (await kms.send(new ListKeysCommand({}))).Keys ?? []) {
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }));
    if (KeyMetadata?.KeyUsage === 'GENERATE_VERIFY_MAC' && KeyMetadata.Arn) return KeyMetadata.Arn;
  }
  throw new Error('no HMAC key in the template');
}

/**
 * The baseline: an HTTP endpoint whose handler does one bare conditional UpdateItem on the same dynalite,
 * through the same endpoint the handlers use. No authorizer, no validation, no event. With `withKms`, it
 * first asks KMS for one GenerateMac on the code hash key (through the handlers' KMS endpoint), the
 * least a verify with a non-extractable key can do.
 */
async function startBaseline(
  sandbox: Sandbox,
  withKms = false,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const { endpoints } = sandbox;
  const config = { region: endpoints.region, credentials: endpoints.credentials };
  const client = new DynamoDBClient({ endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB, ...config });
  const kms = new KMSClient({ endpoint: process.env.AWS_ENDPOINT_URL_KMS, ...config });
  const keyArn = withKms ? await hmacKeyArn(kms) : '';
  const mac = () =>
    withKms
      ? kms.send(
          new GenerateMacCommand({
            KeyId: keyArn,
            MacAlgorithm: 'HMAC_SHA_256',
            Message: new TextEncoder().encode('BASELINE\u0000123456'),
          }),
        )
      : Promise.resolve();
  const table = await otpTableName(client);
  await client.send(
    new PutItemCommand({ TableName: table, Item: { parcelId: { S: 'BASELINE' }, hits: { N: '0' } } }),
  );
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      mac()
        .then(() =>
          client.send(
            new UpdateItemCommand({
              TableName: table,
              Key: { parcelId: { S: 'BASELINE' } },
              UpdateExpression: 'ADD hits :one',
              ConditionExpression: 'attribute_exists(parcelId)',
              ExpressionAttributeValues: { ':one': { N: '1' } },
            }),
          ),
        )
        .then(() => {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end('{"code":"OK"}');
        })
        .catch(() => {
          response.writeHead(500);
          response.end();
        });
    });
  });
  const port = await listen(server, 0, 'baseline');
  return { url: `http://127.0.0.1:${port}/`, stop: () => close(server) };
}

/** Verify-path figures: round trips, latency side by side with the baseline, throughput. */
export async function measureVerify(sandbox: Sandbox, client: SandboxClient, samples: number) {
  const [success, failure, ...ready] = await prepareParcels(sandbox, client, 'VERIFY', samples * 2 + 2);
  if (!success || !failure) throw new Error('no parcels prepared');
  const onSuccess = await requestsDuring(sandbox, client, () =>
    client.verify(success.parcelId, { code: success.code }, success.token),
  );
  const wrong = failure.code === '000000' ? '111111' : '000000';
  const onFailure = await requestsDuring(sandbox, client, () =>
    client.verify(failure.parcelId, { code: wrong }, failure.token),
  );

  const baseline = await startBaseline(sandbox);
  const kmsBaseline = await startBaseline(sandbox, true);
  const verifyMs: number[] = [];
  const baselineMs: number[] = [];
  const kmsBaselineMs: number[] = [];
  const time = async (url: string, into: number[]) => {
    const started = performance.now();
    await fetch(url, { method: 'POST', body: '{"code":"123456"}' }).then((response) => response.text());
    into.push(performance.now() - started);
  };
  // Interleaved one by one, so all three see the same machine noise.
  for (const parcel of ready.slice(0, samples)) {
    await time(baseline.url, baselineMs);
    await time(kmsBaseline.url, kmsBaselineMs);
    const started = performance.now();
    const response = await client.verify(parcel.parcelId, { code: parcel.code }, parcel.token);
    verifyMs.push(performance.now() - started);
    if (response.status !== 200) throw new Error(`verify answered ${response.status}`);
  }
  await baseline.stop();
  await kmsBaseline.stop();

  const throughputParcels = ready.slice(samples);
  const started = performance.now();
  await runConcurrently(throughputParcels, 8, async (parcel) => {
    await client.verify(parcel.parcelId, { code: parcel.code }, parcel.token);
  });
  const throughput = throughputParcels.length / ((performance.now() - started) / 1000);
  await sandbox.settled();

  return {
    roundTripsSuccess: onSuccess.dynamodb,
    roundTripsFailure: onFailure.dynamodb,
    kmsRequestsSuccess: onSuccess.kms,
    kmsRequestsFailure: onFailure.kms,
    verifyP50: percentile(verifyMs, 50),
    verifyP99: percentile(verifyMs, 99),
    baselineP50: percentile(baselineMs, 50),
    baselineP99: percentile(baselineMs, 99),
    kmsBaselineP50: percentile(kmsBaselineMs, 50),
    kmsBaselineP99: percentile(kmsBaselineMs, 99),
    throughputPerSecond: throughput,
  };
}
