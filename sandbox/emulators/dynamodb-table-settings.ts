import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AwsJsonError, readJsonBody } from './aws-protocol.ts';
import {
  type DynaliteCall,
  pointInTimeRecoveryDescription,
  tableDescriptionOperations,
  tableFactsOf,
} from './dynamodb-table-description.ts';
import type { TemplateResolver } from './template.ts';

type TableOperation = (body: Record<string, unknown>) => Promise<unknown>;

/** Marks the settings' own calls to dynalite, which go straight to it. */
const INTERNAL_HEADER = 'x-sandbox-table-settings';

/**
 * Answers the table settings dynalite lacks, from the template as DynamoDB would after deploying it:
 * DescribeTimeToLive / UpdateTimeToLive (the TTL sweep follows the stored setting),
 * DescribeContinuousBackups (point-in-time recovery), DescribeTable's stream, encryption and deletion
 * protection, DeleteTable's refusal of a protected table, UpdateTable's `DeletionProtectionEnabled`.
 * Every other request, and every request of `client` (which these answers use), goes to dynalite unchanged.
 */
export function serveTableSettings(
  server: Server,
  resolver: TemplateResolver,
  settings: { readonly client: DynamoDBClient; readonly ttlAttributes: Map<string, string> },
): void {
  const [dynaliteListener] = server.listeners('request') as RequestListener[];
  if (!dynaliteListener) throw new Error('dynalite has no request listener');
  settings.client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers[INTERNAL_HEADER] = '1';
      return next(args);
    },
    { step: 'build', name: 'sandboxTableSettingsInternal' },
  );
  const facts = tableFactsOf(resolver);
  // dynalite's own answers, as JSON (the SDK would turn its dates into objects).
  const call: DynaliteCall = async (operation, body) => {
    const { port } = server.address() as AddressInfo;
    const answer = await fetch(`http://127.0.0.1:${port}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDB_20120810.${operation}`,
        [INTERNAL_HEADER]: '1',
        // dynalite wants a signature's shape and checks nothing in it.
        authorization:
          'AWS4-HMAC-SHA256 Credential=sandbox/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
        'x-amz-date': '20260101T000000Z',
      },
      body: JSON.stringify(body),
    });
    const json = (await answer.json()) as Record<string, unknown>;
    if (answer.ok) return json;
    throw new AwsJsonError(
      String(json.__type ?? 'InternalServerError')
        .split('#')
        .pop() as string,
      String(json.message ?? json.Message ?? ''),
      {
        statusCode: answer.status,
      },
    );
  };
  const operations: Record<string, TableOperation> = {
    ...tableSettingOperations({ ...settings, facts }),
    ...tableDescriptionOperations({ resolver, call, facts }),
  };
  server.removeListener('request', dynaliteListener);
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.startsWith('DynamoDB_20120810.') ? operations[target.slice(18)] : undefined;
    if (!operation || request.headers[INTERNAL_HEADER]) return dynaliteListener(request, response);
    void (async () => {
      const body = await readJsonBody(request);
      if (!body) throw new AwsJsonError('SerializationException', 'Request body is not JSON');
      send(response, 200, await operation(body));
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

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

const validation = (message: string) => new AwsJsonError('ValidationException', message);

/** DescribeTimeToLive, UpdateTimeToLive and DescribeContinuousBackups, by operation name. */
function tableSettingOperations(settings: {
  readonly client: DynamoDBClient;
  readonly ttlAttributes: Map<string, string>;
  readonly facts: ReturnType<typeof tableFactsOf>;
}): Record<string, TableOperation> {
  const { client, ttlAttributes, facts } = settings;
  const created = Date.now();
  /** The table, or DynamoDB's answer for one that does not exist (`type` differs per operation). */
  const existing = async (body: Record<string, unknown>, type = 'ResourceNotFoundException') => {
    const tableName = String(body.TableName);
    const found = await client.send(new DescribeTableCommand({ TableName: tableName })).then(
      () => true,
      () => false,
    );
    if (found) return tableName;
    throw new AwsJsonError(
      type,
      type === 'TableNotFoundException'
        ? `Table not found: ${tableName}`
        : `Requested resource not found: Table: ${tableName} not found`,
    );
  };
  return {
    DescribeTimeToLive: async (body) => {
      const attribute = ttlAttributes.get(await existing(body));
      return {
        TimeToLiveDescription: attribute
          ? { TimeToLiveStatus: 'ENABLED', AttributeName: attribute }
          : { TimeToLiveStatus: 'DISABLED' },
      };
    },
    UpdateTimeToLive: async (body) => {
      const spec = (body.TimeToLiveSpecification ?? {}) as { Enabled?: unknown; AttributeName?: unknown };
      if (
        typeof spec.Enabled !== 'boolean' ||
        typeof spec.AttributeName !== 'string' ||
        spec.AttributeName === ''
      )
        throw validation('TimeToLiveSpecification needs Enabled and AttributeName');
      const tableName = await existing(body);
      const current = ttlAttributes.get(tableName);
      if (spec.Enabled && current !== undefined) throw validation('TimeToLive is already enabled');
      if (!spec.Enabled && current === undefined) throw validation('TimeToLive is already disabled');
      if (!spec.Enabled && current !== spec.AttributeName)
        throw validation('TimeToLive attribute name does not match the enabled one');
      if (spec.Enabled) ttlAttributes.set(tableName, spec.AttributeName);
      else ttlAttributes.delete(tableName);
      return { TimeToLiveSpecification: { Enabled: spec.Enabled, AttributeName: spec.AttributeName } };
    },
    DescribeContinuousBackups: async (body) => {
      const tableName = await existing(body, 'TableNotFoundException');
      return {
        ContinuousBackupsDescription: {
          ContinuousBackupsStatus: 'ENABLED',
          PointInTimeRecoveryDescription: pointInTimeRecoveryDescription(facts.get(tableName), created),
        },
      };
    },
  };
}
