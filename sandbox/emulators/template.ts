import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** A CloudFormation resource as synthesized. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

/** A synthesized CloudFormation template. */
export interface Template {
  readonly Resources: Record<string, TemplateResource>;
}

/** Where the sandbox pretends to run. */
export interface SandboxEnv {
  readonly region: string;
  readonly accountId: string;
  readonly stackName: string;
}

/**
 * Reads a synthesized template file (`cdk.out/<Stack>.template.json`). The stack name comes from the file
 * name; account and region from `overrides`, else the cloud assembly's `manifest.json` beside it, else
 * `fallback` — unless the template itself names another region or account (a template synthesized for
 * an environment, copied away from its manifest): that is refused, naming what is missing.
 */
export function loadTemplate(
  path: string,
  fallback: SandboxEnv,
  overrides: { readonly region?: string; readonly accountId?: string } = {},
): { template: Template; env: SandboxEnv } {
  let template: Template;
  try {
    template = JSON.parse(readFileSync(path, 'utf8')) as Template;
  } catch (error) {
    throw new Error(`Cannot read the template ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (typeof template?.Resources !== 'object' || template.Resources === null)
    throw new Error(`${path} is not a CloudFormation template (no Resources)`);
  const stackName = basename(path).replace(/\.template\.json$/, '');
  const manifest = manifestEnv(path);
  const env: SandboxEnv = {
    stackName,
    accountId: overrides.accountId ?? manifest?.accountId ?? fallback.accountId,
    region: overrides.region ?? manifest?.region ?? fallback.region,
  };
  if (!overrides.accountId && !overrides.region && !manifest) {
    const named = literalEnvOf(template);
    const region = named.region === env.region ? undefined : named.region;
    const account = named.account === env.accountId ? undefined : named.account;
    if (region || account)
      throw new Error(
        `No manifest.json beside ${path} says which account and region it was synthesized for, and the template names ${[region && `region ${region}`, account && `account ${account}`].filter(Boolean).join(' and ')}: keep it in its cdk.out folder beside manifest.json, or give them (--region ${region ?? env.region} --account ${account ?? env.accountId}).`,
      );
  }
  return { template, env };
}

/** Account and region of the template's stack artifact in the `manifest.json` beside it, if any. */
function manifestEnv(path: string): { accountId?: string; region?: string } | undefined {
  const manifestPath = join(dirname(path), 'manifest.json');
  if (!existsSync(manifestPath)) return undefined;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    artifacts?: Record<
      string,
      { type?: string; environment?: string; properties?: { templateFile?: string } }
    >;
  };
  const artifact = Object.values(manifest.artifacts ?? {}).find(
    (candidate) =>
      candidate.type === 'aws:cloudformation:stack' && candidate.properties?.templateFile === basename(path),
  );
  const [, account, region] = /^aws:\/\/([^/]+)\/(.+)$/.exec(artifact?.environment ?? '') ?? [];
  return {
    ...(account && /^\d{12}$/.test(account) ? { accountId: account } : {}),
    ...(region && region !== 'unknown-region' ? { region } : {}),
  };
}

/**
 * The region and account a template spells out most often in ARNs and AWS host names (a template
 * synthesized for an environment writes them instead of pseudo parameters); undefined where it names none.
 */
function literalEnvOf(template: Template): { region?: string; account?: string } {
  const text = JSON.stringify(template);
  const regions: string[] = [];
  const accounts: string[] = [];
  for (const [, region, account] of text.matchAll(
    /arn:aws[\w-]*:[a-z0-9-]+:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):/g,
  )) {
    regions.push(region as string);
    accounts.push(account as string);
  }
  for (const [, region] of text.matchAll(/\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com/g))
    regions.push(region as string);
  const mostFrequent = (values: readonly string[]): string | undefined => {
    const counts = new Map<string, number>();
    for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
    return [...counts].sort(([, a], [, b]) => b - a)[0]?.[0];
  };
  const region = mostFrequent(regions);
  const account = mostFrequent(accounts);
  return { ...(region ? { region } : {}), ...(account ? { account } : {}) };
}

/** Resolves CloudFormation intrinsics against the sandbox's physical names. */
export class TemplateResolver {
  constructor(
    readonly template: Template,
    readonly env: SandboxEnv,
  ) {}

  /** Logical ids of all resources of a type. */
  resourcesOfType(type: string): [string, TemplateResource][] {
    return Object.entries(this.template.Resources).filter(([, resource]) => resource.Type === type);
  }

  resource(logicalId: string): TemplateResource {
    const resource = this.template.Resources[logicalId];
    if (!resource) throw new Error(`No resource ${logicalId} in the template`);
    return resource;
  }

  /** The value `Ref` yields for a resource, following each type's CloudFormation contract. */
  ref(logicalId: string): string {
    const pseudo: Record<string, string> = {
      'AWS::Region': this.env.region,
      'AWS::AccountId': this.env.accountId,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': this.env.stackName,
      'AWS::NoValue': '',
    };
    if (logicalId in pseudo) return pseudo[logicalId] as string;
    const { Type } = this.resource(logicalId);
    switch (Type) {
      case 'AWS::SecretsManager::Secret':
      case 'AWS::StepFunctions::StateMachine':
      case 'AWS::SNS::Topic':
        return this.arn(logicalId);
      case 'AWS::Cognito::UserPool':
        return `${this.env.region}_${logicalId}`;
      case 'AWS::SQS::Queue':
        return `https://sqs.${this.env.region}.amazonaws.com/${this.env.accountId}/${logicalId}`;
      case 'AWS::KMS::Key':
        return this.kmsKeyId(logicalId);
      case 'AWS::KMS::Alias':
        return String(this.resource(logicalId).Properties?.AliasName);
      case 'AWS::SMSVOICE::ConfigurationSet': {
        const name = this.resource(logicalId).Properties?.ConfigurationSetName;
        return name === undefined ? logicalId : String(this.resolve(name));
      }
      default:
        return logicalId;
    }
  }

  /** ARN of a resource, in the shape its service uses. */
  arn(logicalId: string): string {
    const { Type } = this.resource(logicalId);
    const prefix = (service: string) => `arn:aws:${service}:${this.env.region}:${this.env.accountId}`;
    switch (Type) {
      case 'AWS::Lambda::Function':
        return `${prefix('lambda')}:function:${logicalId}`;
      case 'AWS::DynamoDB::Table':
        return `${prefix('dynamodb')}:table/${logicalId}`;
      case 'AWS::Events::EventBus':
        return `${prefix('events')}:event-bus/${logicalId}`;
      case 'AWS::Events::Rule':
        return `${prefix('events')}:rule/${logicalId}`;
      case 'AWS::SecretsManager::Secret':
        return `${prefix('secretsmanager')}:secret:${logicalId}`;
      case 'AWS::StepFunctions::StateMachine':
        return `${prefix('states')}:stateMachine:${logicalId}`;
      case 'AWS::SQS::Queue':
        return `${prefix('sqs')}:${logicalId}`;
      case 'AWS::Logs::LogGroup':
        return `${prefix('logs')}:log-group:${logicalId}:*`;
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${this.env.accountId}:role/${logicalId}`;
      case 'AWS::Cognito::UserPool':
        return `${prefix('cognito-idp')}:userpool/${this.ref(logicalId)}`;
      case 'AWS::Pipes::Pipe':
        return `${prefix('pipes')}:pipe/${logicalId}`;
      case 'AWS::SNS::Topic':
        return `${prefix('sns')}:${logicalId}`;
      case 'AWS::KMS::Key':
        return `${prefix('kms')}:key/${this.kmsKeyId(logicalId)}`;
      case 'AWS::KMS::Alias':
        return `${prefix('kms')}:${this.ref(logicalId)}`;
      default:
        return `${prefix('sandbox')}:${Type}:${logicalId}`;
    }
  }

  /** A KMS key id (a UUID, as KMS makes them), stable for the logical id so every reference agrees. */
  private kmsKeyId(logicalId: string): string {
    const hex = createHash('sha256').update(`${this.env.stackName}/${logicalId}`).digest('hex');
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20, 32)].join(
      '-',
    );
  }

  getAtt(logicalId: string, attribute: string): string {
    if (attribute === 'Arn') return this.arn(logicalId);
    if (attribute === 'Name') return this.ref(logicalId);
    if (attribute === 'ProviderURL' || attribute === 'ProviderName') return this.ref(logicalId);
    if (attribute === 'ApiEndpoint')
      return `https://${logicalId}.execute-api.${this.env.region}.amazonaws.com`;
    if (attribute === 'QueueUrl') return this.ref(logicalId);
    // A stream's label is its creation time; the sandbox's streams all date from one fixed instant.
    if (attribute === 'StreamArn') return `${this.arn(logicalId)}/stream/2026-01-01T00:00:00.000`;
    if (attribute === 'KeyId') return this.ref(logicalId);
    return `${logicalId}.${attribute}`;
  }

  /** Resolves every intrinsic in `value` (Ref, GetAtt, Join, Sub, Select, Split). */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.resolve(item));
    if (typeof value !== 'object' || value === null) return value;
    const entries = Object.entries(value);
    if (entries.length === 1) {
      const [key, arg] = entries[0] as [string, unknown];
      switch (key) {
        case 'Ref':
          return this.ref(arg as string);
        case 'Fn::GetAtt': {
          const [id, attribute] = Array.isArray(arg) ? arg : String(arg).split('.');
          return this.getAtt(String(id), String(attribute));
        }
        case 'Fn::Join': {
          const [separator, parts] = arg as [string, unknown[]];
          return (this.resolve(parts) as unknown[]).join(separator);
        }
        case 'Fn::Select': {
          const [index, list] = arg as [number, unknown];
          return (this.resolve(list) as unknown[])[Number(index)];
        }
        case 'Fn::Split': {
          const [separator, source] = arg as [string, unknown];
          return String(this.resolve(source)).split(separator);
        }
        case 'Fn::Sub':
          return this.sub(arg);
      }
    }
    return Object.fromEntries(entries.map(([key, item]) => [key, this.resolve(item)]));
  }

  private sub(arg: unknown): string {
    const [text, variables] = Array.isArray(arg)
      ? (arg as [string, Record<string, unknown>])
      : [String(arg), {}];
    return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
      if (name in variables) return String(this.resolve(variables[name]));
      const [id, attribute] = name.split('.');
      return attribute ? this.getAtt(id as string, attribute) : this.ref(id as string);
    });
  }

  /** Logical id of the resource an ARN or name denotes, if any. */
  logicalIdOf(arnOrName: string): string | undefined {
    for (const logicalId of Object.keys(this.template.Resources)) {
      const type = this.template.Resources[logicalId]?.Type ?? '';
      if (logicalId === arnOrName || this.ref(logicalId) === arnOrName) return logicalId;
      if ((!type.startsWith('AWS::IAM') || type === 'AWS::IAM::Role') && this.arn(logicalId) === arnOrName)
        return logicalId;
    }
    return undefined;
  }
}
