import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DisableRuleCommand, EnableRuleCommand, ListRulesCommand } from '@aws-sdk/client-eventbridge';
import { otpTableName, type SandboxClient } from '../sandbox/client.ts';
import { createHttpApiServer } from '../sandbox/http-api-server.ts';
import { close, listen } from '../sandbox/net.ts';
import type { Sandbox } from '../sandbox/sandbox.ts';
import { TemplateResolver } from '../sandbox/template.ts';
import { prepareParcels, runConcurrently } from './flow.ts';
import { percentile } from './stats.ts';

/**
 * DynamoDB requests made while `action` ran, with every other rule disabled (through the EventBridge API)
 * so the handover receipt a verify triggers does not count as the verify's own round trips.
 */
async function dynamodbRequestsDuring(
  sandbox: Sandbox,
  client: SandboxClient,
  action: () => Promise<unknown>,
): Promise<number> {
  const { eventBusName } = sandbox.endpoints;
  const rules = (await client.events.send(new ListRulesCommand({ EventBusName: eventBusName }))).Rules ?? [];
  for (const rule of rules)
    await client.events.send(new DisableRuleCommand({ Name: rule.Name, EventBusName: eventBusName }));
  await sandbox.settled();
  const before = sandbox.faults.dynamodb.stats.requests;
  await action();
  await sandbox.settled();
  const requests = sandbox.faults.dynamodb.stats.requests - before;
  for (const rule of rules)
    await client.events.send(new EnableRuleCommand({ Name: rule.Name, EventBusName: eventBusName }));
  return requests;
}

/** Logical ids the bench adds to a copy of the template for its baseline route. */
const BASELINE = {
  route: 'BenchBaselineRoute',
  integration: 'BenchBaselineIntegration',
  fn: 'BenchBaselineFunction',
};
const BASELINE_PATH = '/baseline/{parcelId}/verify';

/**
 * The baseline behind the same front door: a second HTTP API server built by the sandbox's own code from
 * a copy of the template that has one more route, `POST /baseline/{parcelId}/verify`, with the verify
 * route's type, JWT authorizer and payload format, integrated with a handler that does one bare
 * conditional UpdateItem through the DynamoDB endpoint the handlers use. Verify is timed through the same
 * server, so both see the same authorizer, routing and payload mapping.
 */
async function startFrontDoor(sandbox: Sandbox): Promise<{ url: string; stop: () => Promise<void> }> {
  const { endpoints, resolver } = sandbox;
  const client = new DynamoDBClient({
    endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB,
    region: endpoints.region,
    credentials: endpoints.credentials,
  });
  const table = await otpTableName(client);
  await client.send(
    new PutItemCommand({ TableName: table, Item: { parcelId: { S: 'BASELINE' }, hits: { N: '0' } } }),
  );
  const baselineHandler = async () => {
    await client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { parcelId: { S: 'BASELINE' } },
        UpdateExpression: 'ADD hits :one',
        ConditionExpression: 'attribute_exists(parcelId)',
        ExpressionAttributeValues: { ':one': { N: '1' } },
      }),
    );
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"code":"OK"}' };
  };

  const resources = resolver.template.Resources;
  const [verifyRouteId, verifyRoute] = Object.entries(resources).find(
    ([, resource]) =>
      resource.Type === 'AWS::ApiGatewayV2::Route' &&
      String(resource.Properties?.RouteKey).endsWith('/verify'),
  ) ?? [undefined, undefined];
  if (!verifyRouteId || !verifyRoute) throw new Error('No verify route in the template');
  const integrationId = String(resolver.resolve(verifyRoute.Properties?.Target)).replace(
    /^integrations\//,
    '',
  );
  const template = {
    Resources: {
      ...resources,
      [BASELINE.fn]: { Type: 'AWS::Lambda::Function', Properties: {} },
      [BASELINE.integration]: {
        ...resolver.resource(integrationId),
        Properties: {
          ...resolver.resource(integrationId).Properties,
          IntegrationUri: { 'Fn::GetAtt': [BASELINE.fn, 'Arn'] },
        },
      },
      [BASELINE.route]: {
        ...verifyRoute,
        Properties: {
          ...verifyRoute.Properties,
          RouteKey: `POST ${BASELINE_PATH}`,
          Target: `integrations/${BASELINE.integration}`,
        },
      },
    },
  };
  const server = createHttpApiServer({
    resolver: new TemplateResolver(template, resolver.env),
    invoke: (functionId, event) =>
      functionId === BASELINE.fn ? baselineHandler() : sandbox.functions.invoke(functionId, event),
    issuers: sandbox.issuers,
    iam: endpoints.iam,
    log: sandbox.log,
  });
  const port = await listen(server, 0, 'bench front door');
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      await close(server);
      client.destroy();
    },
  };
}

/** POST with the driver's token through the bench's front door; the answer's status. */
async function post(url: string, token: string, code: string): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ code }),
  });
  await response.text();
  return response.status;
}

/** Verify-path figures: round trips, latency side by side with the baseline, throughput. */
export async function measureVerify(sandbox: Sandbox, client: SandboxClient, samples: number) {
  const [success, failure, ...ready] = await prepareParcels(sandbox, client, 'VERIFY', samples * 2 + 2);
  if (!success || !failure) throw new Error('no parcels prepared');
  const roundTripsSuccess = await dynamodbRequestsDuring(sandbox, client, () =>
    client.verify(success.parcelId, { code: success.code }, success.token),
  );
  const wrong = failure.code === '000000' ? '111111' : '000000';
  const roundTripsFailure = await dynamodbRequestsDuring(sandbox, client, () =>
    client.verify(failure.parcelId, { code: wrong }, failure.token),
  );

  const door = await startFrontDoor(sandbox);
  const verifyMs: number[] = [];
  const baselineMs: number[] = [];
  // Interleaved one by one through the same server, so both see the same front door and machine noise.
  for (const parcel of ready.slice(0, samples)) {
    let started = performance.now();
    const baselineStatus = await post(
      `${door.url}/baseline/${parcel.parcelId}/verify`,
      parcel.token,
      '123456',
    );
    baselineMs.push(performance.now() - started);
    if (baselineStatus !== 200) throw new Error(`baseline answered ${baselineStatus}`);
    started = performance.now();
    const status = await post(`${door.url}/parcels/${parcel.parcelId}/verify`, parcel.token, parcel.code);
    verifyMs.push(performance.now() - started);
    if (status !== 200) throw new Error(`verify answered ${status}`);
  }
  await door.stop();

  const throughputParcels = ready.slice(samples);
  const started = performance.now();
  await runConcurrently(throughputParcels, 8, async (parcel) => {
    await client.verify(parcel.parcelId, { code: parcel.code }, parcel.token);
  });
  const throughput = throughputParcels.length / ((performance.now() - started) / 1000);
  await sandbox.settled();

  return {
    roundTripsSuccess,
    roundTripsFailure,
    verifyP50: percentile(verifyMs, 50),
    verifyP99: percentile(verifyMs, 99),
    baselineP50: percentile(baselineMs, 50),
    baselineP99: percentile(baselineMs, 99),
    throughputPerSecond: throughput,
  };
}
