import { describe, expect, it } from 'vitest';
import { SandboxIam } from '../../sandbox/emulators/iam.ts';
import { AWS_JSON_AUTHORIZATION, dynamodbAuthorization } from '../../sandbox/emulators/iam-actions.ts';
import { ADMINISTRATOR_POLICY, type Caller } from '../../sandbox/emulators/iam-authentication.ts';
import { sesAuthorization } from '../../sandbox/emulators/iam-ses-actions.ts';
import { SandboxLog } from '../../sandbox/emulators/log.ts';
import { type Template, TemplateResolver } from '../../sandbox/emulators/template.ts';

const env = { region: 'eu-central-1', accountId: '000000000000', stackName: 'Test' };
const tableArn = 'arn:aws:dynamodb:eu-central-1:000000000000:table/Table';
const busArn = 'arn:aws:events:eu-central-1:000000000000:event-bus/Bus';

/** A function whose role may update only items of parcel P-1, with ReturnValues NONE, and put its own events. */
function templateWith(statements: unknown[]): Template {
  return {
    Resources: {
      Table: {
        Type: 'AWS::DynamoDB::Table',
        Properties: { KeySchema: [{ AttributeName: 'parcelId', KeyType: 'HASH' }] },
      },
      Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'Bus' } },
      Role: { Type: 'AWS::IAM::Role', Properties: {} },
      Policy: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          Roles: [{ Ref: 'Role' }],
          PolicyDocument: { Version: '2012-10-17', Statement: statements },
        },
      },
      Fn: { Type: 'AWS::Lambda::Function', Properties: { Role: { 'Fn::GetAtt': ['Role', 'Arn'] } } },
    },
  };
}

function setUp(statements: unknown[]) {
  const lines: string[] = [];
  const resolver = new TemplateResolver(templateWith(statements), env);
  const iam = new SandboxIam(resolver, new SandboxLog((line) => lines.push(line)));
  const caller = iam.callerOf(iam.credentialsOf('Fn')?.AWS_ACCESS_KEY_ID as string);
  if (!caller) throw new Error('the function has no caller');
  return { resolver, iam, caller, lines };
}

describe('sandbox IAM', () => {
  it('evaluates dynamodb:LeadingKeys and dynamodb:ReturnValues from the request body', async () => {
    // Prepare
    const { resolver, iam, caller, lines } = setUp([
      {
        Effect: 'Allow',
        Action: 'dynamodb:UpdateItem',
        Resource: { 'Fn::GetAtt': ['Table', 'Arn'] },
        Condition: {
          'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['P-1'] },
          StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE', 'UPDATED_NEW'] },
        },
      },
    ]);
    const update = (parcelId: string, returnValues?: string) =>
      dynamodbAuthorization(
        'DynamoDB_20120810.UpdateItem',
        {
          TableName: 'Table',
          Key: { parcelId: { S: parcelId } },
          ...(returnValues ? { ReturnValues: returnValues } : {}),
        },
        resolver,
      );

    // Act
    const own = await iam.authorizeCaller(caller, update('P-1'));
    const other = await iam.authorizeCaller(caller, update('P-2'));
    const allOld = await iam.authorizeCaller(caller, update('P-1', 'ALL_OLD'));

    // Assess
    expect(own).toBeUndefined();
    expect(other?.message).toBe(
      `User: arn:aws:sts::000000000000:assumed-role/Role/Fn is not authorized to perform: dynamodb:UpdateItem on resource: ${tableArn} because no identity-based policy allows the dynamodb:UpdateItem action`,
    );
    expect(allOld).toBeDefined();
    expect(lines.filter((line) => line.includes('AccessDenied'))).toHaveLength(2);
  });

  it('reads the partition key of a Query and of every BatchWriteItem request as LeadingKeys', () => {
    // Prepare
    const { resolver } = setUp([]);

    // Act
    const [query] = dynamodbAuthorization(
      'DynamoDB_20120810.Query',
      {
        TableName: 'Table',
        KeyConditionExpression: '#pk = :p',
        ExpressionAttributeNames: { '#pk': 'parcelId' },
        ExpressionAttributeValues: { ':p': { S: 'P-9' } },
        ProjectionExpression: 'issueId',
      },
      resolver,
    );
    const [batch] = dynamodbAuthorization(
      'DynamoDB_20120810.BatchWriteItem',
      {
        RequestItems: {
          Table: [
            { PutRequest: { Item: { parcelId: { S: 'P-1' } } } },
            { DeleteRequest: { Key: { parcelId: { S: 'P-2' } } } },
          ],
        },
      },
      resolver,
    );

    // Assess
    expect(query?.context).toMatchObject({
      'dynamodb:LeadingKeys': ['P-9'],
      'dynamodb:Select': 'SPECIFIC_ATTRIBUTES',
    });
    expect(batch).toMatchObject({ action: 'dynamodb:BatchWriteItem', resource: tableArn });
    expect(batch?.context?.['dynamodb:LeadingKeys']).toEqual(['P-1', 'P-2']);
  });

  it('reads dynamodb:Attributes as the top-level attributes every expression, key and projection names', () => {
    // Prepare
    const { resolver } = setUp([]);

    // Act
    const [update] = dynamodbAuthorization(
      'DynamoDB_20120810.UpdateItem',
      {
        TableName: 'Table',
        Key: { parcelId: { S: 'P-1' } },
        UpdateExpression: 'SET #status = :v, verifiedAt = :now, nested.inner = :x ADD wrongAttempts :one',
        ConditionExpression:
          'codeHash = :hash AND attribute_not_exists(#closed) AND size(#list[0].deep) > :n AND #status IN (:a, :b)',
        ExpressionAttributeNames: { '#status': 'status', '#closed': 'closedAt', '#list': 'history' },
        ExpressionAttributeValues: { ':v': { S: 'VERIFIED' } },
      },
      resolver,
    );
    const [get] = dynamodbAuthorization(
      'DynamoDB_20120810.GetItem',
      {
        TableName: 'Table',
        Key: { parcelId: { S: 'P-1' } },
        ProjectionExpression: 'email, #n',
        ExpressionAttributeNames: { '#n': 'name' },
      },
      resolver,
    );
    const [whole] = dynamodbAuthorization(
      'DynamoDB_20120810.GetItem',
      { TableName: 'Table', Key: { parcelId: { S: 'P-1' } } },
      resolver,
    );

    // Assess
    expect([...(update?.context?.['dynamodb:Attributes'] ?? [])].sort()).toEqual(
      [
        'closedAt',
        'codeHash',
        'history',
        'nested',
        'parcelId',
        'status',
        'verifiedAt',
        'wrongAttempts',
      ].sort(),
    );
    expect(update?.context?.['dynamodb:ReturnValues']).toBe('NONE');
    expect(get?.context).toMatchObject({
      'dynamodb:Attributes': ['parcelId', 'email', 'name'],
      'dynamodb:Select': 'SPECIFIC_ATTRIBUTES',
    });
    expect(whole?.context).toMatchObject({ 'dynamodb:Select': 'ALL_ATTRIBUTES' });
  });

  it('treats events:source as multi-valued: a plain StringEquals never matches, ForAllValues does, per entry', async () => {
    // Prepare
    const plain = setUp([
      {
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: busArn,
        Condition: { StringEquals: { 'events:source': 'own' } },
      },
    ]);
    const forAll = setUp([
      {
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: busArn,
        Condition: {
          'ForAllValues:StringEquals': { 'events:source': 'own' },
          Null: { 'events:source': 'false' },
        },
      },
    ]);
    const put = (resolver: TemplateResolver, sources: string[]) =>
      AWS_JSON_AUTHORIZATION['AWSEvents.PutEvents']?.(
        {
          Entries: sources.map((source) => ({
            EventBusName: 'Bus',
            Source: source,
            DetailType: 'x',
            Detail: '{}',
          })),
        },
        resolver,
      ) ?? [];

    // Act
    const plainOwn = await plain.iam.authorizeCaller(plain.caller, put(plain.resolver, ['own']));
    const forAllOwn = await forAll.iam.authorizeCaller(forAll.caller, put(forAll.resolver, ['own']));
    const forAllMixed = await forAll.iam.authorizeCaller(
      forAll.caller,
      put(forAll.resolver, ['own', 'carrier']),
    );

    // Assess
    expect(plainOwn).toBeDefined();
    expect(forAllOwn).toBeUndefined();
    expect(forAllMixed?.action).toBe('events:PutEvents');
  });

  it('checks ses:FromAddress and ses:FromDisplayName from the Source header, on the identity and the configuration set', async () => {
    // Prepare
    const { resolver, iam, caller } = setUp([
      {
        Effect: 'Allow',
        Action: 'ses:SendEmail',
        Resource: [
          'arn:aws:ses:eu-central-1:000000000000:identity/no-reply@example.com',
          'arn:aws:ses:eu-central-1:000000000000:configuration-set/Mail',
        ],
        Condition: {
          StringEquals: { 'ses:FromAddress': 'no-reply@example.com', 'ses:FromDisplayName': 'Shop' },
        },
      },
    ]);
    const send = (source: string) =>
      sesAuthorization(
        new URLSearchParams({ Action: 'SendEmail', Source: source, ConfigurationSetName: 'Mail' }),
        resolver,
      );

    // Act
    const named = await iam.authorizeCaller(caller, send('Shop <no-reply@example.com>'));
    const otherName = await iam.authorizeCaller(caller, send('"Your Bank" <no-reply@example.com>'));
    const otherAddress = await iam.authorizeCaller(caller, send('Shop <ceo@example.com>'));

    // Assess
    expect(send('Shop <no-reply@example.com>').map((request) => request.resource)).toHaveLength(2);
    expect(named).toBeUndefined();
    expect(otherName).toBeDefined();
    expect(otherAddress).toBeDefined();
  });

  it('allows an administrator user everything and another user only what its own policy allows', async () => {
    // Prepare
    const { resolver, iam } = setUp([]);
    iam.addUser({
      userName: 'admin',
      credentials: { accessKeyId: 'AKIAADMIN', secretAccessKey: 'x' },
      policy: ADMINISTRATOR_POLICY,
    });
    iam.addUser({
      userName: 'api-caller',
      credentials: { accessKeyId: 'AKIACALLER', secretAccessKey: 'y' },
      policy: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: '*' }],
      },
    });
    const deleteItem = dynamodbAuthorization(
      'DynamoDB_20120810.DeleteItem',
      { TableName: 'Table', Key: { parcelId: { S: 'P-1' } } },
      resolver,
    );

    // Act
    const admin = await iam.authorizeCaller(iam.callerOf('AKIAADMIN') as Caller, deleteItem);
    const caller = await iam.authorizeCaller(iam.callerOf('AKIACALLER') as Caller, deleteItem);

    // Assess
    expect(admin).toBeUndefined();
    expect(caller?.message).toBe(
      `User: arn:aws:iam::000000000000:user/api-caller is not authorized to perform: dynamodb:DeleteItem on resource: ${tableArn} because no identity-based policy allows the dynamodb:DeleteItem action`,
    );
    expect(iam.callerOf('AKIACARRIER')).toBeUndefined();
  });
});
