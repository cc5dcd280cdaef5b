import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DisableRuleCommand, EnableRuleCommand, ListRulesCommand } from '@aws-sdk/client-eventbridge';
import { DescribeKeyCommand, GenerateMacCommand, KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { routePath, VERIFY_PATH } from '../lambdas/contracts/http/paths.ts';
import { VERIFY_ROUTE } from '../lambdas/contracts/http/routes.ts';
import { otpTableName, type SandboxClient } from '../sandbox/app/client.ts';
import type { Sandbox } from '../sandbox/app/sandbox.ts';
import { createHttpApiServer } from '../sandbox/emulators/http-api-server.ts';
import { close, listen } from '../sandbox/emulators/net.ts';
import { type Template, TemplateResolver } from '../sandbox/emulators/template.ts';
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

/**
 * The template with its stream pipes stopped, for the verify path's own sandbox: in AWS the handover pipe
 * runs beside the driver's request, while in one sandbox process its work (stream reads, IAM checks,
 * PutEvents) would land inside the request being timed.
 */
export function withPipesStopped(template: Template): Template {
  const resources = Object.fromEntries(
    Object.entries(template.Resources).map(([id, resource]) => [
      id,
      resource.Type === 'AWS::Pipes::Pipe'
        ? { ...resource, Properties: { ...resource.Properties, DesiredState: 'STOPPED' } }
        : resource,
    ]),
  );
  return { ...template, Resources: resources };
}

/** The verify function's role-session credentials: the baselines sign with them, as verify does. */
function verifyCredentials(sandbox: Sandbox) {
  const [functionId] =
    sandbox.resolver
      .resourcesOfType('AWS::Lambda::Function')
      .find(
        ([, resource]) =>
          (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables
            ?.POWERTOOLS_SERVICE_NAME === 'verify-otp',
      ) ?? [];
  const credentials = functionId ? sandbox.iam.credentialsOf(functionId) : undefined;
  if (!credentials) throw new Error('No verify function in the template');
  return {
    accessKeyId: credentials.AWS_ACCESS_KEY_ID,
    secretAccessKey: credentials.AWS_SECRET_ACCESS_KEY,
    sessionToken: credentials.AWS_SESSION_TOKEN,
  };
}

/** The baselines the bench adds to a copy of the template, each a route with its own function. */
const BASELINES = [
  { name: 'plain', path: '/baseline/{parcelId}/verify', withKms: false },
  { name: 'kms', path: '/baseline-kms/{parcelId}/verify', withKms: true },
] as const;
const logicalIds = (name: string) => ({
  route: `BenchBaseline${name}Route`,
  integration: `BenchBaseline${name}Integration`,
  fn: `BenchBaseline${name}Function`,
});

/** ARN of the template's one HMAC key, found as any caller would: ListKeys, then DescribeKey. */
async function hmacKeyArn(kms: KMSClient): Promise<string> {
  for (const key of (await kms.send(new ListKeysCommand({}))).Keys ?? []) {
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }));
    if (KeyMetadata?.KeyUsage === 'GENERATE_VERIFY_MAC' && KeyMetadata.Arn) return KeyMetadata.Arn;
  }
  throw new Error('no HMAC key in the template');
}

/**
 * The baselines behind the same front door: a second HTTP API server built by the sandbox's own code from
 * a copy of the template with two more routes, `POST /baseline/{parcelId}/verify` (one bare conditional
 * UpdateItem, on a copy of a real code item, through the DynamoDB endpoint the handlers use) and `POST /baseline-kms/{parcelId}/verify`
 * (one KMS GenerateMac on the code hash key first: the least a verify with a non-extractable key can do),
 * each with the verify route's type, JWT authorizer and payload format. Verify is timed through the same
 * server, so all three see the same authorizer, routing and payload mapping.
 */
async function startFrontDoor(
  sandbox: Sandbox,
  sampleParcelId: string,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const { endpoints, resolver } = sandbox;
  const admin = { region: endpoints.region, credentials: endpoints.credentials };
  const adminDynamodb = new DynamoDBClient({ endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB, ...admin });
  const adminKms = new KMSClient({ endpoint: process.env.AWS_ENDPOINT_URL_KMS, ...admin });
  const keyArn = await hmacKeyArn(adminKms);
  const table = await otpTableName(adminDynamodb);
  // The baselines write a copy of a real code item: the sandbox's cost of a write (its stream record
  // among it) grows with the item, which AWS's does not.
  const { Item: sample } = await adminDynamodb.send(
    new GetItemCommand({ TableName: table, Key: { parcelId: { S: sampleParcelId } } }),
  );
  if (!sample) throw new Error(`No code item for ${sampleParcelId}`);
  await adminDynamodb.send(
    new PutItemCommand({
      TableName: table,
      Item: { ...sample, parcelId: { S: 'BASELINE' }, wrongAttempts: { N: '0' } },
    }),
  );
  // Signed as verify signs: the sandbox checks the signature and evaluates verify's role for both sides.
  const asVerify = { region: endpoints.region, credentials: verifyCredentials(sandbox) };
  const client = new DynamoDBClient({ endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB, ...asVerify });
  const kms = new KMSClient({ endpoint: process.env.AWS_ENDPOINT_URL_KMS, ...asVerify });
  const baselineHandler = async (withKms: boolean) => {
    if (withKms) {
      await kms.send(
        new GenerateMacCommand({
          KeyId: keyArn,
          MacAlgorithm: 'HMAC_SHA_256',
          Message: new TextEncoder().encode('BASELINE\u0000123456'),
        }),
      );
    }
    await client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { parcelId: { S: 'BASELINE' } },
        // An attribute verify's role may write: a counter, as a wrong code's write adds.
        UpdateExpression: 'ADD wrongAttempts :one',
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
      resource.Properties?.RouteKey === `${VERIFY_ROUTE.method} ${VERIFY_PATH}`,
  ) ?? [undefined, undefined];
  if (!verifyRouteId || !verifyRoute) throw new Error('No verify route in the template');
  const integrationId = String(resolver.resolve(verifyRoute.Properties?.Target)).replace(
    /^integrations\//,
    '',
  );
  const added = Object.fromEntries(
    BASELINES.flatMap((baseline) => {
      const ids = logicalIds(baseline.name);
      return [
        [ids.fn, { Type: 'AWS::Lambda::Function', Properties: {} }],
        [
          ids.integration,
          {
            ...resolver.resource(integrationId),
            Properties: {
              ...resolver.resource(integrationId).Properties,
              IntegrationUri: { 'Fn::GetAtt': [ids.fn, 'Arn'] },
            },
          },
        ],
        [
          ids.route,
          {
            ...verifyRoute,
            Properties: {
              ...verifyRoute.Properties,
              RouteKey: `POST ${baseline.path}`,
              Target: `integrations/${ids.integration}`,
            },
          },
        ],
      ];
    }),
  );
  const template = { Resources: { ...resources, ...added } };
  const baselineByFunction = new Map(BASELINES.map((baseline) => [logicalIds(baseline.name).fn, baseline]));
  const server = createHttpApiServer({
    resolver: new TemplateResolver(template, resolver.env),
    invoke: (functionId, event) => {
      const baseline = baselineByFunction.get(functionId);
      return baseline ? baselineHandler(baseline.withKms) : sandbox.functions.invoke(functionId, event);
    },
    issuers: sandbox.issuers,
    iam: endpoints.iam,
    log: sandbox.log,
  });
  const port = await listen(server, 0, 'bench front door');
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      await close(server);
      for (const sdk of [client, kms, adminDynamodb, adminKms]) sdk.destroy();
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
  const onSuccess = await requestsDuring(sandbox, client, () =>
    client.verify(success.parcelId, { code: success.code }, success.token),
  );
  const wrong = failure.code === '000000' ? '111111' : '000000';
  const onFailure = await requestsDuring(sandbox, client, () =>
    client.verify(failure.parcelId, { code: wrong }, failure.token),
  );

  const door = await startFrontDoor(sandbox, success.parcelId);
  const verifyMs: number[] = [];
  const baselineMs: number[] = [];
  const kmsBaselineMs: number[] = [];
  // One request at a time on a settled sandbox, in an order that rotates, all through the same server.
  for (const [index, parcel] of ready.slice(0, samples).entries()) {
    const requests: [url: string, code: string, into: number[]][] = [
      [`${door.url}/baseline/${parcel.parcelId}/verify`, '123456', baselineMs],
      [`${door.url}/baseline-kms/${parcel.parcelId}/verify`, '123456', kmsBaselineMs],
      [`${door.url}${routePath(VERIFY_PATH, { parcelId: parcel.parcelId })}`, parcel.code, verifyMs],
    ];
    for (let turn = 0; turn < requests.length; turn++) {
      const [url, code, into] = requests[(turn + index) % requests.length] as (typeof requests)[number];
      await sandbox.settled();
      const started = performance.now();
      const status = await post(url, parcel.token, code);
      into.push(performance.now() - started);
      if (status !== 200) throw new Error(`${url} answered ${status}`);
    }
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
