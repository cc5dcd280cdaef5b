import type { AddressInfo } from 'node:net';
import { DynamoDBClient, UpdateItemCommand, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { roleOfFunction } from '../support/template-mutation.ts';
import type { E2eHarness } from './harness.ts';

/**
 * A thief's tools against `e2e`'s sandbox: clients signing with a function's own role credentials, sent to
 * the DynamoDB endpoint the functions use, and the code table's requests. Read the sandbox inside tests.
 */
export function stolenCredentials(e2e: E2eHarness) {
  /** A DynamoDB client signing with `handler`'s role credentials, as a thief who copied them would. */
  function asFunction(handler: string): DynamoDBClient {
    const { functionId } = roleOfFunction(e2e.sandbox.resolver.template, new RegExp(`lambdas/${handler}/`));
    const credentials = e2e.sandbox.iam.credentialsOf(functionId);
    const server = e2e.sandbox.faults.dynamodb.server;
    return new DynamoDBClient({
      region: e2e.sandbox.endpoints.region,
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      maxAttempts: 1,
      credentials: {
        accessKeyId: credentials?.AWS_ACCESS_KEY_ID ?? '',
        secretAccessKey: credentials?.AWS_SECRET_ACCESS_KEY ?? '',
        sessionToken: credentials?.AWS_SESSION_TOKEN ?? '',
      },
    });
  }

  /** The code table's name. */
  const tableName = () =>
    e2e.sandbox.resolver.ref(
      e2e.sandbox.resolver
        .resourcesOfType('AWS::DynamoDB::Table')
        .find(([id]) => id.startsWith('OtpTable'))?.[0] ?? '',
    );

  /** An UpdateItem of `parcelId`'s code item. */
  const updateOf = (parcelId: string, input: Omit<UpdateItemCommandInput, 'TableName' | 'Key'>) =>
    new UpdateItemCommand({ TableName: tableName(), Key: { parcelId: { S: parcelId } }, ...input });

  return { asFunction, tableName, updateOf };
}
