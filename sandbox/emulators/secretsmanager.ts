import { randomBytes, randomUUID } from 'node:crypto';
import { AwsJsonError } from './aws-protocol.ts';
import type { TemplateResolver } from './template.ts';

type Body = Record<string, unknown>;

/** A secret as Secrets Manager holds it. */
interface LocalSecret {
  readonly arn: string;
  readonly name: string;
  readonly description?: string;
  readonly kmsKeyId?: string;
  readonly tags: readonly { Key: string; Value: string }[];
  readonly value: string;
  readonly versionId: string;
  readonly created: Date;
  lastAccessed?: Date;
}

const FILTER_KEYS = [
  'description',
  'name',
  'tag-key',
  'tag-value',
  'primary-region',
  'owning-service',
  'all',
];

const validation = (detail: string) =>
  new AwsJsonError('ValidationException', `1 validation error detected: ${detail}`);

/** `SecretId`: a name or ARN of 1 to 2048 characters, as Secrets Manager validates it. */
function secretIdOf(body: Body): string {
  const id = body.SecretId;
  if (id === undefined || id === null)
    throw validation("Value null at 'secretId' failed to satisfy constraint: Member must not be null");
  if (typeof id !== 'string' || id.length < 1 || id.length > 2048)
    throw validation(
      "Value at 'secretId' failed to satisfy constraint: Member must have length between 1 and 2048",
    );
  return id;
}

/** Whether a filter value matches: a prefix, or with a leading `!` its negation, as ListSecrets filters. */
function matchesFilter(candidates: readonly string[], value: string): boolean {
  const negated = value.startsWith('!');
  const prefix = negated ? value.slice(1) : value;
  const found = candidates.some((candidate) => candidate.startsWith(prefix));
  return negated ? !found : found;
}

/**
 * Secrets Manager for the template's `AWS::SecretsManager::Secret`s: each value generated at start as
 * `GenerateSecretString` would (alphanumeric here), kept in memory only. `GetSecretValue`,
 * `DescribeSecret` and `ListSecrets` (filters, paging) in the AWS JSON 1.1 protocol, with Secrets
 * Manager's errors.
 */
export class LocalSecretsManager {
  private readonly secrets: LocalSecret[];

  constructor(resolver: TemplateResolver, created = new Date()) {
    this.secrets = resolver.resourcesOfType('AWS::SecretsManager::Secret').map(([logicalId, resource]) => {
      const properties = resolver.resolve(resource.Properties ?? {}) as {
        Name?: string;
        Description?: string;
        KmsKeyId?: string;
        Tags?: { Key: string; Value: string }[];
        GenerateSecretString?: { PasswordLength?: number };
      };
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
      const bytes = randomBytes(properties.GenerateSecretString?.PasswordLength ?? 32);
      return {
        arn: resolver.arn(logicalId),
        name: properties.Name ?? logicalId,
        ...(properties.Description ? { description: properties.Description } : {}),
        ...(properties.KmsKeyId ? { kmsKeyId: properties.KmsKeyId } : {}),
        tags: properties.Tags ?? [],
        value: [...bytes].map((byte) => alphabet[byte % alphabet.length]).join(''),
        versionId: randomUUID(),
        created,
      };
    });
  }

  /** The operations by X-Amz-Target. */
  operations(): Record<string, (body: Body) => unknown> {
    return {
      'secretsmanager.GetSecretValue': (body) => this.getSecretValue(body),
      'secretsmanager.DescribeSecret': (body) => this.describe(this.find(secretIdOf(body))),
      'secretsmanager.ListSecrets': (body) => this.list(body),
    };
  }

  private find(secretId: string): LocalSecret {
    const secret = this.secrets.find(
      (candidate) => candidate.arn === secretId || candidate.name === secretId,
    );
    if (!secret)
      throw new AwsJsonError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return secret;
  }

  private getSecretValue(body: Body): unknown {
    const secret = this.find(secretIdOf(body));
    if (body.VersionStage !== undefined && body.VersionStage !== 'AWSCURRENT')
      throw new AwsJsonError(
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret value for staging label: " +
          String(body.VersionStage),
      );
    if (body.VersionId !== undefined && body.VersionId !== secret.versionId)
      throw new AwsJsonError(
        'ResourceNotFoundException',
        `Secrets Manager can't find the specified secret value for VersionId: ${String(body.VersionId)}`,
      );
    secret.lastAccessed = new Date();
    return {
      ARN: secret.arn,
      Name: secret.name,
      SecretString: secret.value,
      VersionId: secret.versionId,
      VersionStages: ['AWSCURRENT'],
      CreatedDate: secret.created.getTime() / 1000,
    };
  }

  /** DescribeSecret's answer (and each ListSecrets entry's, with `SecretVersionsToStages`). */
  private describe(secret: LocalSecret, versionsKey = 'VersionIdsToStages'): Record<string, unknown> {
    const day = (date: Date) => Math.floor(date.getTime() / 86_400_000) * 86_400;
    return {
      ARN: secret.arn,
      Name: secret.name,
      ...(secret.description ? { Description: secret.description } : {}),
      ...(secret.kmsKeyId ? { KmsKeyId: secret.kmsKeyId } : {}),
      RotationEnabled: false,
      LastChangedDate: secret.created.getTime() / 1000,
      // Secrets Manager reports the last access to the day.
      ...(secret.lastAccessed ? { LastAccessedDate: day(secret.lastAccessed) } : {}),
      Tags: secret.tags,
      [versionsKey]: { [secret.versionId]: ['AWSCURRENT'] },
      CreatedDate: secret.created.getTime() / 1000,
    };
  }

  /** ListSecrets: `Filters` (prefix, `!` negation), `MaxResults` 1-100 with `NextToken`, by name. */
  private list(body: Body): unknown {
    const maxResults = body.MaxResults === undefined ? 100 : body.MaxResults;
    if (typeof maxResults !== 'number' || !Number.isInteger(maxResults) || maxResults < 1 || maxResults > 100)
      throw validation(
        `Value '${String(maxResults)}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100`,
      );
    const filters = (Array.isArray(body.Filters) ? body.Filters : []) as {
      Key?: unknown;
      Values?: unknown;
    }[];
    filters.forEach((filter, index) => {
      if (typeof filter?.Key !== 'string' || !FILTER_KEYS.includes(filter.Key))
        throw validation(
          `Value '${String(filter?.Key)}' at 'filters.${index + 1}.member.key' failed to satisfy constraint: Member must satisfy enum value set: [${FILTER_KEYS.join(', ')}]`,
        );
      if (!Array.isArray(filter.Values) || filter.Values.length < 1 || filter.Values.length > 10)
        throw validation(
          `Value at 'filters.${index + 1}.member.values' failed to satisfy constraint: Member must have length between 1 and 10`,
        );
    });
    let offset = 0;
    if (body.NextToken !== undefined) {
      const decoded = /^secrets:(\d+)$/.exec(Buffer.from(String(body.NextToken), 'base64').toString('utf8'));
      if (!decoded) throw new AwsJsonError('InvalidNextTokenException', 'The NextToken value is invalid.');
      offset = Number(decoded[1]);
    }
    const matching = this.secrets
      .filter((secret) =>
        filters.every((filter) =>
          (filter.Values as unknown[]).some((value) =>
            matchesFilter(this.filterFields(secret, String(filter.Key)), String(value)),
          ),
        ),
      )
      .sort((a, b) => a.name.localeCompare(b.name));
    const page = matching.slice(offset, offset + maxResults);
    return {
      SecretList: page.map((secret) => this.describe(secret, 'SecretVersionsToStages')),
      ...(offset + maxResults < matching.length
        ? { NextToken: Buffer.from(`secrets:${offset + maxResults}`).toString('base64') }
        : {}),
    };
  }

  /** The values a ListSecrets filter key compares. */
  private filterFields(secret: LocalSecret, key: string): string[] {
    const fields: Record<string, string[]> = {
      name: [secret.name],
      description: secret.description ? [secret.description] : [],
      'tag-key': secret.tags.map((tag) => tag.Key),
      'tag-value': secret.tags.map((tag) => tag.Value),
      'primary-region': [],
      'owning-service': [],
    };
    return key === 'all' ? Object.values(fields).flat() : (fields[key] ?? []);
  }
}
