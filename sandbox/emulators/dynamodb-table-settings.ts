import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AwsJsonError, readJsonBody } from './aws-protocol.ts';
import type { TemplateResolver } from './template.ts';

/**
 * Answers the table settings dynalite lacks, from the template as DynamoDB would after deploying it:
 * DescribeTimeToLive / UpdateTimeToLive (the TTL sweep follows the stored setting) and
 * DescribeContinuousBackups (point-in-time recovery). Every other request goes to dynalite unchanged.
 */
export function serveTableSettings(
  server: Server,
  resolver: TemplateResolver,
  settings: { readonly client: DynamoDBClient; readonly ttlAttributes: Map<string, string> },
): void {
  const [dynaliteListener] = server.listeners('request') as RequestListener[];
  if (!dynaliteListener) throw new Error('dynalite has no request listener');
  const operations = tableSettingOperations({ ...settings, pitr: pointInTimeRecoveryOf(resolver) });
  server.removeListener('request', dynaliteListener);
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.startsWith('DynamoDB_20120810.') ? operations[target.slice(18)] : undefined;
    if (!operation) return dynaliteListener(request, response);
    void (async () => {
      const body = await readJsonBody(request);
      if (!body) return fail(response, 'SerializationException', 'Request body is not JSON');
      await operation(body, response);
    })().catch((error: unknown) => {
      if (response.headersSent) return;
      // A refusal of the request itself (a body over 16 MB) answers as DynamoDB does, not as a failure of ours.
      if (error instanceof AwsJsonError)
        return send(response, error.statusCode, {
          __type: `com.amazonaws.dynamodb.v20120810#${error.type}`,
          message: error.message,
        });
      send(response, 500, { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError' });
    });
  });
}

/** Each table's point-in-time recovery as the template sets it. */
function pointInTimeRecoveryOf(resolver: TemplateResolver): Map<string, { enabled: boolean; days?: number }> {
  const pitr = new Map<string, { enabled: boolean; days?: number }>();
  for (const [logicalId, resource] of resolver.resourcesOfType('AWS::DynamoDB::Table')) {
    const spec = resolver.resolve(resource.Properties?.PointInTimeRecoverySpecification ?? {}) as {
      PointInTimeRecoveryEnabled?: boolean;
      RecoveryPeriodInDays?: number;
    };
    pitr.set(resolver.ref(logicalId), {
      enabled: spec.PointInTimeRecoveryEnabled === true,
      ...(spec.RecoveryPeriodInDays ? { days: spec.RecoveryPeriodInDays } : {}),
    });
  }
  return pitr;
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

function fail(response: ServerResponse, type: string, message: string): void {
  send(response, 400, { __type: `com.amazonaws.dynamodb.v20120810#${type}`, message });
}

/** DescribeTimeToLive, UpdateTimeToLive and DescribeContinuousBackups, by operation name. */
function tableSettingOperations(settings: {
  readonly client: DynamoDBClient;
  readonly ttlAttributes: Map<string, string>;
  readonly pitr: ReadonlyMap<string, { enabled: boolean; days?: number }>;
}): Record<string, (body: Record<string, unknown>, response: ServerResponse) => Promise<void>> {
  const { client, ttlAttributes, pitr } = settings;
  const created = new Date();
  const tableExists = async (tableName: string) =>
    client.send(new DescribeTableCommand({ TableName: tableName })).then(
      () => true,
      () => false,
    );
  /** DynamoDB's answer for a table that does not exist. */
  const tableNotFound = (response: ServerResponse, tableName: string) =>
    fail(
      response,
      'ResourceNotFoundException',
      `Requested resource not found: Table: ${tableName} not found`,
    );
  return {
    DescribeTimeToLive: async (body, response) => {
      const tableName = String(body.TableName);
      if (!(await tableExists(tableName))) return tableNotFound(response, tableName);
      const attribute = ttlAttributes.get(tableName);
      send(response, 200, {
        TimeToLiveDescription: attribute
          ? { TimeToLiveStatus: 'ENABLED', AttributeName: attribute }
          : { TimeToLiveStatus: 'DISABLED' },
      });
    },
    UpdateTimeToLive: async (body, response) => {
      const tableName = String(body.TableName);
      const spec = (body.TimeToLiveSpecification ?? {}) as { Enabled?: unknown; AttributeName?: unknown };
      if (
        typeof spec.Enabled !== 'boolean' ||
        typeof spec.AttributeName !== 'string' ||
        spec.AttributeName === ''
      )
        return fail(
          response,
          'ValidationException',
          'TimeToLiveSpecification needs Enabled and AttributeName',
        );
      if (!(await tableExists(tableName))) return tableNotFound(response, tableName);
      const current = ttlAttributes.get(tableName);
      if (spec.Enabled && current !== undefined)
        return fail(response, 'ValidationException', 'TimeToLive is already enabled');
      if (!spec.Enabled && current === undefined)
        return fail(response, 'ValidationException', 'TimeToLive is already disabled');
      if (!spec.Enabled && current !== spec.AttributeName)
        return fail(
          response,
          'ValidationException',
          'TimeToLive attribute name does not match the enabled one',
        );
      if (spec.Enabled) ttlAttributes.set(tableName, spec.AttributeName);
      else ttlAttributes.delete(tableName);
      send(response, 200, {
        TimeToLiveSpecification: { Enabled: spec.Enabled, AttributeName: spec.AttributeName },
      });
    },
    DescribeContinuousBackups: async (body, response) => {
      const tableName = String(body.TableName);
      if (!(await tableExists(tableName)))
        return fail(response, 'TableNotFoundException', `Table not found: ${tableName}`);
      const setting = pitr.get(tableName) ?? { enabled: false };
      const now = Date.now() / 1000;
      send(response, 200, {
        ContinuousBackupsDescription: {
          ContinuousBackupsStatus: 'ENABLED',
          PointInTimeRecoveryDescription: setting.enabled
            ? {
                PointInTimeRecoveryStatus: 'ENABLED',
                RecoveryPeriodInDays: setting.days ?? 35,
                EarliestRestorableDateTime: created.getTime() / 1000,
                LatestRestorableDateTime: now - 300,
              }
            : { PointInTimeRecoveryStatus: 'DISABLED' },
        },
      });
    },
  };
}
