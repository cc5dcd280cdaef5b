import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AwsJsonError } from './aws-protocol.ts';
import type { TemplateResolver } from './template.ts';

/** The KMS actions the sandbox answers, as IAM names them. */
export type KmsAction =
  | 'kms:GenerateMac'
  | 'kms:VerifyMac'
  | 'kms:DescribeKey'
  | 'kms:ListKeys'
  | 'kms:ListAliases';

/** What one KMS request asks for: the IAM action and the ARN of the key it acts on (`*` for ListKeys). */
export interface KmsCall {
  readonly action: KmsAction;
  readonly resource: string;
}

/**
 * Decides whether a call may proceed; throws an {@link AwsJsonError} (AccessDeniedException) to refuse.
 * Runs after the request is validated and its key found, before the key's state or usage is checked.
 */
export type KmsAuthorizer = (call: KmsCall) => void | Promise<void>;

/** A key as the sandbox holds it. Its material exists only in this process's memory. */
interface LocalKmsKey {
  readonly keyId: string;
  readonly arn: string;
  readonly keySpec: string;
  readonly keyUsage: string;
  readonly enabled: boolean;
  readonly description: string;
  readonly material: Buffer;
}

/** HMAC key specs and the one MAC algorithm each allows, with their key lengths. */
const HMAC_SPECS: Record<string, { algorithm: string; digest: string; bytes: number }> = {
  HMAC_224: { algorithm: 'HMAC_SHA_224', digest: 'sha224', bytes: 28 },
  HMAC_256: { algorithm: 'HMAC_SHA_256', digest: 'sha256', bytes: 32 },
  HMAC_384: { algorithm: 'HMAC_SHA_384', digest: 'sha384', bytes: 48 },
  HMAC_512: { algorithm: 'HMAC_SHA_512', digest: 'sha512', bytes: 64 },
};
const MAC_ALGORITHMS = ['HMAC_SHA_224', 'HMAC_SHA_256', 'HMAC_SHA_384', 'HMAC_SHA_512'];

const validation = (detail: string): AwsJsonError =>
  new AwsJsonError('ValidationException', `1 validation error detected: ${detail}`);

/** GenerateMac's and VerifyMac's limit on `Message`, and VerifyMac's on `Mac` (base64-decoded bytes). */
const MAX_MESSAGE_BYTES = 4096;
const MAX_MAC_BYTES = 6144;

/** Validates a blob parameter (base64 on the wire) and its length bounds, as KMS's front door does. */
function blob(body: Record<string, unknown>, field: string, wireName: string, max: number): Buffer {
  const value = body[field];
  if (value === undefined || value === null)
    throw validation(`Value null at '${wireName}' failed to satisfy constraint: Member must not be null`);
  if (typeof value !== 'string') throw new AwsJsonError('SerializationException', `${field} is not a blob`);
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length < 1)
    throw validation(
      `Value at '${wireName}' failed to satisfy constraint: Member must have length greater than or equal to 1`,
    );
  if (bytes.length > max)
    throw validation(
      `Value at '${wireName}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
    );
  return bytes;
}

function macAlgorithm(body: Record<string, unknown>): string {
  const value = body.MacAlgorithm;
  if (value === undefined || value === null)
    throw validation("Value null at 'macAlgorithm' failed to satisfy constraint: Member must not be null");
  if (typeof value !== 'string' || !MAC_ALGORITHMS.includes(value))
    throw validation(
      `Value '${String(value)}' at 'macAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [${MAC_ALGORITHMS.join(', ')}]`,
    );
  return value;
}

/**
 * KMS for the template's keys (`AWS::KMS::Key`, `AWS::KMS::Alias`): `GenerateMac`, `VerifyMac`,
 * `DescribeKey`, `ListKeys` and `ListAliases` in the AWS JSON 1.1 protocol (`X-Amz-Target: TrentService.*`). Each key gets random
 * material at start that lives only in memory, so it differs per run and is never written anywhere.
 * A key is addressed as KMS allows: key id, key ARN, alias name or alias ARN.
 */
export class LocalKms {
  private readonly keys: LocalKmsKey[];
  /** Alias name (`alias/...`) to key id. */
  private readonly aliases = new Map<string, string>();

  /** @param createdAt when the keys and aliases came to be (the sandbox's start). */
  constructor(
    private readonly resolver: TemplateResolver,
    private readonly createdAt = new Date(),
  ) {
    this.keys = resolver.resourcesOfType('AWS::KMS::Key').map(([logicalId, resource]) => {
      const properties = resolver.resolve(resource.Properties ?? {}) as {
        KeySpec?: string;
        KeyUsage?: string;
        Enabled?: boolean;
        Description?: string;
      };
      const keySpec = properties.KeySpec ?? 'SYMMETRIC_DEFAULT';
      return {
        keyId: resolver.ref(logicalId),
        arn: resolver.arn(logicalId),
        keySpec,
        keyUsage: properties.KeyUsage ?? 'ENCRYPT_DECRYPT',
        enabled: properties.Enabled !== false,
        description: properties.Description ?? '',
        material: randomBytes(HMAC_SPECS[keySpec]?.bytes ?? 32),
      };
    });
    for (const [, resource] of resolver.resourcesOfType('AWS::KMS::Alias')) {
      const properties = resolver.resolve(resource.Properties ?? {}) as {
        AliasName?: string;
        TargetKeyId?: string;
      };
      const target = this.keys.find(
        (key) => key.keyId === properties.TargetKeyId || key.arn === properties.TargetKeyId,
      );
      if (properties.AliasName && target) this.aliases.set(properties.AliasName, target.keyId);
    }
  }

  /** The X-Amz-Target values this emulator answers. */
  static readonly targets = [
    'TrentService.GenerateMac',
    'TrentService.VerifyMac',
    'TrentService.DescribeKey',
    'TrentService.ListKeys',
    'TrentService.ListAliases',
  ];

  /**
   * Answers one request: validate, find the key, ask `authorize` about (action, key ARN), then run.
   * @param authorize the caller's authorization (e.g. its IAM policies); by default everything is allowed.
   */
  async handle(
    target: string,
    body: Record<string, unknown>,
    authorize: KmsAuthorizer = () => undefined,
  ): Promise<unknown> {
    switch (target) {
      case 'TrentService.GenerateMac': {
        const message = blob(body, 'Message', 'message', MAX_MESSAGE_BYTES);
        const algorithm = macAlgorithm(body);
        const key = await this.usableKey(body, authorize, 'kms:GenerateMac', 'GenerateMac', algorithm);
        return { KeyId: key.arn, MacAlgorithm: algorithm, Mac: this.mac(key, message).toString('base64') };
      }
      case 'TrentService.VerifyMac': {
        const message = blob(body, 'Message', 'message', MAX_MESSAGE_BYTES);
        const algorithm = macAlgorithm(body);
        const mac = blob(body, 'Mac', 'mac', MAX_MAC_BYTES);
        const key = await this.usableKey(body, authorize, 'kms:VerifyMac', 'VerifyMac', algorithm);
        const expected = this.mac(key, message);
        if (mac.length !== expected.length || !timingSafeEqual(mac, expected))
          throw new AwsJsonError('KMSInvalidMacException', '');
        return { KeyId: key.arn, MacValid: true, MacAlgorithm: algorithm };
      }
      case 'TrentService.DescribeKey': {
        const key = this.find(body.KeyId);
        await authorize({ action: 'kms:DescribeKey', resource: key.arn });
        return { KeyMetadata: this.metadata(key) };
      }
      case 'TrentService.ListKeys':
        await authorize({ action: 'kms:ListKeys', resource: '*' });
        return { Keys: this.keys.map((key) => ({ KeyId: key.keyId, KeyArn: key.arn })), Truncated: false };
      case 'TrentService.ListAliases':
        return this.listAliases(body, authorize);
      default:
        throw new AwsJsonError('UnknownOperationException', `The sandbox does not implement ${target}`);
    }
  }

  /** The key a request names, authorized for `action`, enabled, and made for MACs with `algorithm`. */
  private async usableKey(
    body: Record<string, unknown>,
    authorize: KmsAuthorizer,
    action: KmsAction,
    operation: string,
    algorithm: string,
  ): Promise<LocalKmsKey> {
    const key = this.find(body.KeyId);
    await authorize({ action, resource: key.arn });
    if (!key.enabled) throw new AwsJsonError('DisabledException', `${key.arn} is disabled.`);
    if (key.keyUsage !== 'GENERATE_VERIFY_MAC')
      throw new AwsJsonError(
        'InvalidKeyUsageException',
        `${key.arn} key usage is ${key.keyUsage} which is not valid for ${operation}.`,
      );
    if (HMAC_SPECS[key.keySpec]?.algorithm !== algorithm)
      throw new AwsJsonError(
        'InvalidKeyUsageException',
        `Algorithm ${algorithm} is incompatible with key spec ${key.keySpec}.`,
      );
    return key;
  }

  /** ListAliases: every alias, or those of one key (`KeyId`), `Limit` (1-1000, 50 by default) at a time from `Marker`. */
  private async listAliases(body: Record<string, unknown>, authorize: KmsAuthorizer): Promise<unknown> {
    const limit = body.Limit === undefined ? 50 : body.Limit;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw validation(
        `Value '${String(limit)}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 1000`,
      );
    const key = body.KeyId === undefined ? undefined : this.find(body.KeyId);
    await authorize({ action: 'kms:ListAliases', resource: '*' });
    let offset = 0;
    if (body.Marker !== undefined) {
      const decoded = /^aliases:(\d+)$/.exec(Buffer.from(String(body.Marker), 'base64').toString('utf8'));
      if (!decoded) throw new AwsJsonError('InvalidMarkerException', 'Invalid marker');
      offset = Number(decoded[1]);
    }
    const { region, accountId } = this.resolver.env;
    const created = this.createdAt.getTime() / 1000;
    const aliases = [...this.aliases]
      .filter(([, keyId]) => !key || keyId === key.keyId)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([aliasName, keyId]) => ({
        AliasName: aliasName,
        AliasArn: `arn:aws:kms:${region}:${accountId}:${aliasName}`,
        TargetKeyId: keyId,
        CreationDate: created,
        LastUpdatedDate: created,
      }));
    const page = aliases.slice(offset, offset + limit);
    const more = offset + limit < aliases.length;
    return {
      Aliases: page,
      Truncated: more,
      ...(more ? { NextMarker: Buffer.from(`aliases:${offset + limit}`).toString('base64') } : {}),
    };
  }

  private mac(key: LocalKmsKey, message: Buffer): Buffer {
    const spec = HMAC_SPECS[key.keySpec] as { digest: string };
    return createHmac(spec.digest, key.material).update(message).digest();
  }

  /** Finds a key by id, key ARN, alias name or alias ARN, in this account and region only. */
  private find(keyId: unknown): LocalKmsKey {
    if (keyId === undefined || keyId === null)
      throw validation("Value null at 'keyId' failed to satisfy constraint: Member must not be null");
    const id = String(keyId);
    if (id.length < 1 || id.length > 2048)
      throw validation(
        "Value at 'keyId' failed to satisfy constraint: Member must have length between 1 and 2048",
      );
    const { region, accountId } = this.resolver.env;
    const aliasArnPrefix = `arn:aws:kms:${region}:${accountId}:`;
    const aliasName = id.startsWith('alias/')
      ? id
      : id.startsWith(`${aliasArnPrefix}alias/`)
        ? id.slice(aliasArnPrefix.length)
        : undefined;
    if (aliasName !== undefined) {
      const target = this.aliases.get(aliasName);
      const key = this.keys.find((candidate) => candidate.keyId === target);
      if (!key)
        throw new AwsJsonError('NotFoundException', `Alias ${aliasArnPrefix}${aliasName} is not found.`);
      return key;
    }
    const key = this.keys.find((candidate) => candidate.keyId === id || candidate.arn === id);
    if (!key) {
      const arn = id.startsWith('arn:') ? id : `arn:aws:kms:${region}:${accountId}:key/${id}`;
      throw new AwsJsonError('NotFoundException', `Key '${arn}' does not exist`);
    }
    return key;
  }

  private metadata(key: LocalKmsKey): Record<string, unknown> {
    const hmac = HMAC_SPECS[key.keySpec];
    return {
      AWSAccountId: this.resolver.env.accountId,
      KeyId: key.keyId,
      Arn: key.arn,
      CreationDate: this.createdAt.getTime() / 1000,
      Enabled: key.enabled,
      Description: key.description,
      KeyUsage: key.keyUsage,
      KeyState: key.enabled ? 'Enabled' : 'Disabled',
      Origin: 'AWS_KMS',
      KeyManager: 'CUSTOMER',
      KeySpec: key.keySpec,
      CustomerMasterKeySpec: key.keySpec,
      MultiRegion: false,
      ...(hmac ? { MacAlgorithms: [hmac.algorithm] } : { EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'] }),
    };
  }
}
