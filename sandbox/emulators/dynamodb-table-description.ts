import { createHash } from 'node:crypto';
import { AwsJsonError } from './aws-protocol.ts';
import type { TemplateResolver } from './template.ts';

/** What the template sets on a table that dynalite does not keep: protection, encryption, stream, PITR. */
interface TableFacts {
  deletionProtection: boolean;
  readonly sse?: { readonly kmsMasterKeyId?: string };
  readonly stream?: { readonly viewType: string; readonly arn: string };
  readonly pitr: { readonly enabled: boolean; readonly days?: number };
}

/** Each template table's settings, by physical name. */
export function tableFactsOf(resolver: TemplateResolver): Map<string, TableFacts> {
  const facts = new Map<string, TableFacts>();
  for (const [logicalId, resource] of resolver.resourcesOfType('AWS::DynamoDB::Table')) {
    const properties = resolver.resolve(resource.Properties ?? {}) as {
      DeletionProtectionEnabled?: boolean;
      SSESpecification?: { SSEEnabled?: boolean; KMSMasterKeyId?: string };
      StreamSpecification?: { StreamViewType?: string };
      PointInTimeRecoverySpecification?: {
        PointInTimeRecoveryEnabled?: boolean;
        RecoveryPeriodInDays?: number;
      };
    };
    const sse = properties.SSESpecification;
    const viewType = properties.StreamSpecification?.StreamViewType;
    const pitr = properties.PointInTimeRecoverySpecification;
    facts.set(resolver.ref(logicalId), {
      deletionProtection: properties.DeletionProtectionEnabled === true,
      ...(sse?.SSEEnabled ? { sse: sse.KMSMasterKeyId ? { kmsMasterKeyId: sse.KMSMasterKeyId } : {} } : {}),
      ...(viewType ? { stream: { viewType, arn: resolver.getAtt(logicalId, 'StreamArn') } } : {}),
      pitr: {
        enabled: pitr?.PointInTimeRecoveryEnabled === true,
        ...(pitr?.RecoveryPeriodInDays ? { days: pitr.RecoveryPeriodInDays } : {}),
      },
    });
  }
  return facts;
}

/** The ARN of a KMS key a table names (id, ARN or alias), or of the account's AWS-managed `aws/dynamodb` key. */
function kmsKeyArn(resolver: TemplateResolver, keyId: string | undefined): string {
  const { region, accountId } = resolver.env;
  if (keyId?.startsWith('arn:')) return keyId;
  if (keyId)
    return `arn:aws:kms:${region}:${accountId}:${keyId.startsWith('alias/') ? keyId : `key/${keyId}`}`;
  const hex = createHash('sha256').update(`${accountId}/${region}/aws/dynamodb`).digest('hex');
  const id = [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20, 32)];
  return `arn:aws:kms:${region}:${accountId}:key/${id.join('-')}`;
}

/** A table description with what DynamoDB reports and dynalite lacks: stream, encryption, protection. */
function completed(
  description: Record<string, unknown> | undefined,
  facts: TableFacts | undefined,
  resolver: TemplateResolver,
): Record<string, unknown> {
  if (!description || !facts) return { ...description };
  const { stream, sse } = facts;
  const label = stream?.arn.split('/stream/')[1];
  return {
    ...description,
    ...(stream
      ? {
          StreamSpecification: { StreamEnabled: true, StreamViewType: stream.viewType },
          LatestStreamLabel: label,
          LatestStreamArn: stream.arn,
        }
      : {}),
    ...(sse
      ? {
          SSEDescription: {
            Status: 'ENABLED',
            SSEType: 'KMS',
            KMSMasterKeyArn: kmsKeyArn(resolver, sse.kmsMasterKeyId),
          },
        }
      : {}),
    DeletionProtectionEnabled: facts.deletionProtection,
  };
}

/** One DynamoDB operation on dynalite itself: its JSON answer, or its error as an {@link AwsJsonError}. */
export type DynaliteCall = (
  operation: string,
  body: Record<string, unknown>,
) => Promise<Record<string, unknown>>;

/**
 * DescribeTable, DeleteTable and UpdateTable as DynamoDB answers them for the template's tables:
 * dynalite's description completed from the template; DeleteTable refused while deletion protection is
 * on (the table stays); UpdateTable's `DeletionProtectionEnabled` kept here, the rest done by dynalite.
 */
export function tableDescriptionOperations(options: {
  readonly resolver: TemplateResolver;
  readonly call: DynaliteCall;
  readonly facts: Map<string, TableFacts>;
}): Record<string, (body: Record<string, unknown>) => Promise<unknown>> {
  const { resolver, call, facts } = options;
  const describe = async (tableName: string) => {
    const { Table } = await call('DescribeTable', { TableName: tableName });
    return completed(Table as Record<string, unknown> | undefined, facts.get(tableName), resolver);
  };
  return {
    DescribeTable: async (body) => ({ Table: await describe(String(body.TableName ?? '')) }),
    DeleteTable: async (body) => {
      const tableName = String(body.TableName ?? '');
      const described = await describe(tableName);
      if (facts.get(tableName)?.deletionProtection)
        throw new AwsJsonError(
          'ValidationException',
          'Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.',
        );
      await call('DeleteTable', { TableName: tableName });
      facts.delete(tableName);
      return { TableDescription: { ...described, TableStatus: 'DELETING' } };
    },
    UpdateTable: async (body) => {
      const { DeletionProtectionEnabled: protection, ...rest } = body;
      const tableName = String(body.TableName ?? '');
      if (protection !== undefined && typeof protection !== 'boolean')
        throw new AwsJsonError('SerializationException', 'DeletionProtectionEnabled must be a boolean');
      await describe(tableName);
      if (protection === undefined || Object.keys(rest).length > 1) await call('UpdateTable', rest);
      const fact = facts.get(tableName);
      if (fact && typeof protection === 'boolean') fact.deletionProtection = protection;
      return { TableDescription: await describe(tableName) };
    },
  };
}

/** Point-in-time recovery's window: from the table's creation to five minutes ago, never before it. */
export function pointInTimeRecoveryDescription(
  facts: TableFacts | undefined,
  createdMs: number,
  nowMs = Date.now(),
): Record<string, unknown> {
  if (!facts?.pitr.enabled) return { PointInTimeRecoveryStatus: 'DISABLED' };
  const earliest = createdMs / 1000;
  return {
    PointInTimeRecoveryStatus: 'ENABLED',
    RecoveryPeriodInDays: facts.pitr.days ?? 35,
    EarliestRestorableDateTime: earliest,
    LatestRestorableDateTime: Math.max(earliest, nowMs / 1000 - 300),
  };
}
