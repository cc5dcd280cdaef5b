import type { AuthorizationRequest } from './iam.ts';
import type { TemplateResolver } from './template.ts';

type Body = Record<string, unknown>;

/** What one AWS JSON-protocol operation asks IAM: the action, resource ARN(s) and condition keys AWS sets. */
export type JsonOperationAuthorization = (body: Body, resolver: TemplateResolver) => AuthorizationRequest[];

const arnPrefix = (resolver: TemplateResolver, service: string) =>
  `arn:aws:${service}:${resolver.env.region}:${resolver.env.accountId}`;

/** ARN of a named resource: the template's when the name or ARN is one of its resources, else built from the name. */
function arnOf(resolver: TemplateResolver, nameOrArn: unknown, build: (name: string) => string): string {
  const value = String(nameOrArn ?? '');
  if (value.startsWith('arn:')) return value;
  const logicalId = resolver.logicalIdOf(value);
  return logicalId ? resolver.arn(logicalId) : build(value);
}

const busArn = (resolver: TemplateResolver, name: unknown) =>
  arnOf(resolver, name ?? 'default', (bus) => `${arnPrefix(resolver, 'events')}:event-bus/${bus}`);

/** A rule's ARN: `rule/<name>` on the default bus, `rule/<bus>/<name>` on another. */
const ruleArn = (resolver: TemplateResolver, name: unknown, bus: unknown) => {
  const busName =
    String(bus ?? 'default')
      .split('/')
      .pop() ?? 'default';
  return `${arnPrefix(resolver, 'events')}:rule/${busName === 'default' ? '' : `${busName}/`}${String(name)}`;
};

const secretArn = (resolver: TemplateResolver, secretId: unknown) =>
  arnOf(resolver, secretId, (name) => `${arnPrefix(resolver, 'secretsmanager')}:secret:${name}`);

/** An operation on the one resource whose ARN the request names in `field`. */
const onArnIn =
  (action: string, field: string): JsonOperationAuthorization =>
  (body) => [{ action, resource: String(body[field]) }];

const distinct = (values: unknown[]) => [
  ...new Set(values.filter((value) => value !== undefined).map(String)),
];

/**
 * Authorization of each AWS JSON-protocol operation the sandbox serves, by X-Amz-Target. A service
 * added to the endpoint registers its operations here; the check itself is generic.
 */
export const AWS_JSON_AUTHORIZATION: Record<string, JsonOperationAuthorization> = {
  'AWSEvents.PutEvents': (body, resolver) => {
    const entries = (Array.isArray(body.Entries) ? body.Entries : []) as Body[];
    // One request per bus; events:source and events:detail-type are multi-valued (every entry's value).
    const buses = distinct(entries.map((entry) => busArn(resolver, entry?.EventBusName)));
    return buses.map((resource) => {
      const onBus = entries.filter((entry) => busArn(resolver, entry?.EventBusName) === resource);
      return {
        action: 'events:PutEvents',
        resource,
        context: {
          'events:source': distinct(onBus.map((entry) => entry?.Source)),
          'events:detail-type': distinct(onBus.map((entry) => entry?.DetailType)),
        },
      };
    });
  },
  'AWSEvents.TestEventPattern': () => [{ action: 'events:TestEventPattern', resource: '*' }],
  'AWSEvents.ListRules': (_body, resolver) => [
    { action: 'events:ListRules', resource: `${arnPrefix(resolver, 'events')}:rule/*` },
  ],
  'AWSEvents.DisableRule': (body, resolver) => [
    {
      action: 'events:DisableRule',
      resource: arnOf(resolver, body.Name, (name) => `${arnPrefix(resolver, 'events')}:rule/${name}`),
    },
  ],
  'AWSEvents.EnableRule': (body, resolver) => [
    {
      action: 'events:EnableRule',
      resource: arnOf(resolver, body.Name, (name) => `${arnPrefix(resolver, 'events')}:rule/${name}`),
    },
  ],
  'AWSEvents.DescribeRule': (body, resolver) => [
    { action: 'events:DescribeRule', resource: ruleArn(resolver, body.Name, body.EventBusName) },
  ],
  'AWSEvents.DescribeEventBus': (body, resolver) => [
    { action: 'events:DescribeEventBus', resource: busArn(resolver, body.Name) },
  ],
  'AWSStepFunctions.StartSyncExecution': onArnIn('states:StartSyncExecution', 'stateMachineArn'),
  'AWSStepFunctions.DescribeStateMachine': onArnIn('states:DescribeStateMachine', 'stateMachineArn'),
  'secretsmanager.DescribeSecret': (body, resolver) => [
    { action: 'secretsmanager:DescribeSecret', resource: secretArn(resolver, body.SecretId) },
  ],
  'AWSStepFunctions.StartExecution': onArnIn('states:StartExecution', 'stateMachineArn'),
  'AWSStepFunctions.DescribeExecution': onArnIn('states:DescribeExecution', 'executionArn'),
  'AWSStepFunctions.ListExecutions': onArnIn('states:ListExecutions', 'stateMachineArn'),
  'AWSStepFunctions.ListStateMachines': () => [{ action: 'states:ListStateMachines', resource: '*' }],
  // SendTextMessage is authorized on every resource it names: the configuration set and the origination
  // identity (an ARN, or a pool id, phone number or sender id as AWS accepts them), the protect
  // configuration; naming none, on `*`.
  'PinpointSMSVoiceV2.SendTextMessage': (body, resolver) => {
    const prefix = arnPrefix(resolver, 'sms-voice');
    const identity = String(body.OriginationIdentity ?? '');
    const identityArn = identity.startsWith('arn:')
      ? identity
      : identity.startsWith('pool-')
        ? `${prefix}:pool/${identity}`
        : identity.startsWith('+')
          ? `${prefix}:phone-number/${identity}`
          : `${prefix}:sender-id/${identity}`;
    const named = [
      ...(body.ConfigurationSetName === undefined
        ? []
        : [
            {
              action: 'sms-voice:SendTextMessage',
              resource: String(body.ConfigurationSetName).startsWith('arn:')
                ? String(body.ConfigurationSetName)
                : `${prefix}:configuration-set/${String(body.ConfigurationSetName)}`,
            },
          ]),
      ...(identity === '' ? [] : [{ action: 'sms-voice:SendTextMessage', resource: identityArn }]),
      ...(typeof body.ProtectConfigurationId === 'string'
        ? [
            {
              action: 'sms-voice:SendTextMessage',
              resource: `${prefix}:protect-configuration/${body.ProtectConfigurationId}`,
            },
          ]
        : []),
    ];
    return named.length > 0 ? named : [{ action: 'sms-voice:SendTextMessage', resource: '*' }];
  },
  'DynamoDBStreams_20120810.ListStreams': () => [{ action: 'dynamodb:ListStreams', resource: '*' }],
  'DynamoDBStreams_20120810.DescribeStream': onArnIn('dynamodb:DescribeStream', 'StreamArn'),
  'DynamoDBStreams_20120810.GetShardIterator': onArnIn('dynamodb:GetShardIterator', 'StreamArn'),
  // The stream a shard iterator reads is inside the (opaque) iterator.
  'DynamoDBStreams_20120810.GetRecords': (body) => {
    let streamArn = '*';
    try {
      streamArn = String(
        JSON.parse(Buffer.from(String(body.ShardIterator), 'base64').toString('utf8')).streamArn ?? '*',
      );
    } catch {
      // an iterator that is not the sandbox's: the operation refuses it
    }
    return [{ action: 'dynamodb:GetRecords', resource: streamArn }];
  },
  'secretsmanager.GetSecretValue': (body, resolver) => [
    { action: 'secretsmanager:GetSecretValue', resource: secretArn(resolver, body.SecretId) },
  ],
};

/** ARN of the KMS key a KeyId names: a key ARN, an alias (name or ARN) of the template, or a key id. */
function kmsKeyArn(resolver: TemplateResolver, keyId: unknown): string {
  const value = String(keyId ?? '');
  const aliasName = value.startsWith('alias/') ? value : /:alias\/.+$/.exec(value)?.[0].slice(1);
  if (aliasName) {
    const alias = resolver
      .resourcesOfType('AWS::KMS::Alias')
      .find(([, resource]) => resolver.resolve(resource.Properties?.AliasName) === aliasName);
    const target = alias ? String(resolver.resolve(alias[1].Properties?.TargetKeyId)) : value;
    return target.startsWith('arn:')
      ? target
      : arnOf(resolver, target, (id) => `${arnPrefix(resolver, 'kms')}:key/${id}`);
  }
  return arnOf(resolver, value, (id) => `${arnPrefix(resolver, 'kms')}:key/${id}`);
}

/** KMS operations on one key, with the algorithm condition keys KMS sets. */
const kmsOperation =
  (operation: string): JsonOperationAuthorization =>
  (body, resolver) => {
    const keyId = String(body.KeyId ?? '');
    const context: Record<string, string> = {};
    if (body.MacAlgorithm) context['kms:MacAlgorithm'] = String(body.MacAlgorithm);
    if (operation === 'Encrypt' || operation === 'Decrypt')
      context['kms:EncryptionAlgorithm'] = String(body.EncryptionAlgorithm ?? 'SYMMETRIC_DEFAULT');
    if (keyId.includes('alias/')) context['kms:RequestAlias'] = keyId.slice(keyId.indexOf('alias/'));
    return [{ action: `kms:${operation}`, resource: kmsKeyArn(resolver, keyId), context }];
  };

for (const operation of ['GenerateMac', 'VerifyMac', 'Encrypt', 'Decrypt', 'DescribeKey', 'GenerateDataKey'])
  AWS_JSON_AUTHORIZATION[`TrentService.${operation}`] = kmsOperation(operation);

/** The string form of a DynamoDB key value (S, N or B), as `dynamodb:LeadingKeys` compares it. */
function keyValue(attribute: unknown): string | undefined {
  if (typeof attribute !== 'object' || attribute === null) return undefined;
  const { S, N, B } = attribute as { S?: string; N?: string; B?: string };
  return S ?? N ?? B;
}

/** Expressions whose attribute paths count towards dynamodb:Attributes. */
const EXPRESSIONS = [
  'UpdateExpression',
  'ConditionExpression',
  'ProjectionExpression',
  'FilterExpression',
  'KeyConditionExpression',
] as const;

/**
 * The top-level attribute of every path in an expression: a name or `#placeholder` that is not a
 * `:value`, a function (`name(`), a keyword, or a nested step (after `.`).
 */
function expressionAttributes(expression: string, names: Record<string, string>): string[] {
  const found: string[] = [];
  // A placeholder may start with a digit (`#0`); a name may not.
  const token = /(\.\s*)?(#[A-Za-z0-9_]+|[A-Za-z_]\w*)(\s*\()?/g;
  const keywords = /^(SET|REMOVE|ADD|DELETE|AND|OR|NOT|BETWEEN|IN)$/i;
  // Values (`:v`) never name attributes: blank them out first.
  for (const [, nested, name, call] of expression.replace(/:[\w]+/g, ' ').matchAll(token)) {
    if (nested || call || !name || keywords.test(name)) continue;
    found.push(name.startsWith('#') ? (names[name] ?? name) : name);
  }
  return found;
}

/**
 * Attribute names an item-level request touches (dynamodb:Attributes), as the DynamoDB developer guide
 * defines them: the top-level attributes it reads, writes or evaluates in a condition or filter (every
 * expression's paths, Key and Item names, the legacy AttributesToGet, AttributeUpdates and Expected).
 */
function attributeNames(body: Body): string[] {
  const names = new Set<string>();
  for (const source of [body.Key, body.Item, body.AttributeUpdates, body.Expected]) {
    if (source && typeof source === 'object') for (const name of Object.keys(source)) names.add(name);
  }
  const placeholders = (body.ExpressionAttributeNames ?? {}) as Record<string, string>;
  for (const field of EXPRESSIONS) {
    const expression = body[field];
    if (typeof expression === 'string')
      for (const name of expressionAttributes(expression, placeholders)) names.add(name);
  }
  for (const name of (body.AttributesToGet ?? []) as string[]) names.add(name);
  return [...names];
}

/**
 * What a DynamoDB JSON request asks IAM: one `dynamodb:<Operation>` per table, with LeadingKeys (the
 * partition key values), Attributes, ReturnValues and Select as DynamoDB sets them.
 */
export function dynamodbAuthorization(
  target: string,
  body: Body,
  resolver: TemplateResolver,
): AuthorizationRequest[] {
  const operation = target.split('.').pop() ?? target;
  const action = `dynamodb:${operation}`;
  const tableArn = (name: unknown, index?: unknown) =>
    `${arnPrefix(resolver, 'dynamodb')}:table/${String(name)}${index ? `/index/${String(index)}` : ''}`;
  const hashKeyOf = (tableName: unknown): string | undefined => {
    const logicalId = resolver.logicalIdOf(String(tableName));
    const keySchema = (logicalId ? resolver.resource(logicalId).Properties?.KeySchema : undefined) as
      | { AttributeName: string; KeyType: string }[]
      | undefined;
    return keySchema?.find((key) => key.KeyType === 'HASH')?.AttributeName;
  };
  const itemRequest = (tableName: unknown, request: Body, leading: string[]): AuthorizationRequest => ({
    action,
    resource: tableArn(tableName, request.IndexName),
    context: {
      ...(leading.length > 0 ? { 'dynamodb:LeadingKeys': leading } : {}),
      'dynamodb:Attributes': attributeNames(request),
      'dynamodb:ReturnValues': String(request.ReturnValues ?? 'NONE'),
      'dynamodb:Select': String(
        request.Select ??
          (request.ProjectionExpression || request.AttributesToGet
            ? 'SPECIFIC_ATTRIBUTES'
            : 'ALL_ATTRIBUTES'),
      ),
    },
  });
  const leadingOf = (tableName: unknown, request: Body): string[] => {
    const hashKey = hashKeyOf(tableName);
    if (!hashKey) return [];
    const item = (request.Key ?? request.Item) as Record<string, unknown> | undefined;
    if (item) return distinct([keyValue(item[hashKey])]);
    // Query: the partition key's equality in KeyConditionExpression.
    const names = (request.ExpressionAttributeNames ?? {}) as Record<string, string>;
    const values = (request.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
    const match = /([#\w]+)\s*=\s*(:\w+)/g;
    const found: string[] = [];
    for (const [, name, value] of String(request.KeyConditionExpression ?? '').matchAll(match)) {
      if ((names[name as string] ?? name) === hashKey) found.push(keyValue(values[value as string]) ?? '');
    }
    return found;
  };
  switch (operation) {
    case 'BatchGetItem':
    case 'BatchWriteItem': {
      const requestItems = (body.RequestItems ?? {}) as Record<string, unknown>;
      return Object.entries(requestItems).map(([tableName, requests]) => {
        const keys =
          operation === 'BatchGetItem'
            ? ((requests as { Keys?: Body[] }).Keys ?? [])
            : (requests as Body[]).map((write) => {
                const put = write.PutRequest as { Item?: Body } | undefined;
                const del = write.DeleteRequest as { Key?: Body } | undefined;
                return (put?.Item ?? del?.Key ?? {}) as Body;
              });
        const hashKey = hashKeyOf(tableName);
        const leading = hashKey ? distinct(keys.map((key) => keyValue(key[hashKey]))) : [];
        return itemRequest(tableName, {}, leading);
      });
    }
    case 'TransactWriteItems':
    case 'TransactGetItems': {
      const items = (body.TransactItems ?? []) as Record<string, Body>[];
      return items.flatMap((item) =>
        Object.entries(item).map(([kind, request]) => {
          const kindAction =
            kind === 'ConditionCheck' ? 'ConditionCheckItem' : `${kind}Item`.replace('ItemItem', 'Item');
          return {
            ...itemRequest(request.TableName, request, leadingOf(request.TableName, request)),
            action: `dynamodb:${kindAction}`,
          };
        }),
      );
    }
    case 'ListTables':
      return [{ action, resource: '*' }];
    default:
      return [itemRequest(body.TableName, body, leadingOf(body.TableName, body))];
  }
}
