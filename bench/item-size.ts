import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { otpTableName } from '../sandbox/app/client.ts';
import type { Sandbox } from '../sandbox/app/sandbox.ts';

/** Size of a parcel's item by DynamoDB's rules (names + values; numbers ~1 byte per 2 digits + 1). */
export async function itemBytes(sandbox: Sandbox, parcelId: string): Promise<number> {
  const { endpoints } = sandbox;
  const client = new DynamoDBClient({
    endpoint: endpoints.dynamodbEndpoint,
    region: endpoints.region,
    credentials: endpoints.credentials,
  });
  const table = await otpTableName(client);
  const item =
    (await client.send(new GetItemCommand({ TableName: table, Key: { parcelId: { S: parcelId } } }))).Item ??
    {};
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    bytes += Buffer.byteLength(name);
    if (value.S !== undefined) bytes += Buffer.byteLength(value.S);
    if (value.N !== undefined) bytes += Math.ceil(value.N.replace(/[-.]/g, '').length / 2) + 1;
  }
  return bytes;
}
