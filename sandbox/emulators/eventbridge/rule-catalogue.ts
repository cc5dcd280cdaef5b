import { AwsJsonError } from '../aws-protocol.ts';
import type { TemplateResolver } from '../template.ts';
import type { BusRule, ScheduledRule } from './rules.ts';

type Body = Record<string, unknown>;
type AnyRule = BusRule | ScheduledRule;

const validation = (detail: string) =>
  new AwsJsonError('ValidationException', `1 validation error detected: ${detail}`);

const RULE_NAME = /^[.\-_A-Za-z0-9]{1,64}$/;
const BUS_NAME_OR_ARN =
  /^(arn:aws[\w-]*:events:[a-z]+-[a-z]+-[\w-]+:[0-9]{12}:event-bus\/)?[/.\-_A-Za-z0-9]{1,256}$/;

/** A rule `Name` as EventBridge validates it: 1-64 of `[.-_A-Za-z0-9]`. */
export function ruleNameOf(value: unknown): string {
  if (value === undefined || value === null)
    throw validation("Value null at 'name' failed to satisfy constraint: Member must not be null");
  if (typeof value !== 'string' || !RULE_NAME.test(value))
    throw validation(
      `Value '${String(value)}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ and have length between 1 and 64`,
    );
  return value;
}

/** An `EventBusName` (name or ARN) as EventBridge validates it; `default` when absent. */
export function busNameOrArnOf(value: unknown, field = 'eventBusName'): string {
  if (value === undefined || value === null) return 'default';
  if (typeof value !== 'string' || value.length > 1600 || !BUS_NAME_OR_ARN.test(value))
    throw validation(
      `Value '${String(value)}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:aws[\\w-]*:events:[a-z]+-[a-z]+-[\\w-]+:[0-9]{12}:event-bus\\/)?[\\/\\.\\-_A-Za-z0-9]+`,
    );
  return value;
}

/** A rule as ListRules lists it. */
function ruleView(rule: AnyRule): Record<string, unknown> {
  return {
    Name: rule.name,
    Arn: rule.arn,
    ...('eventPattern' in rule ? { EventPattern: rule.eventPattern } : {}),
    ...('scheduleExpression' in rule ? { ScheduleExpression: rule.scheduleExpression } : {}),
    State: rule.enabled ? 'ENABLED' : 'DISABLED',
    ...(rule.description ? { Description: rule.description } : {}),
    ...(rule.roleArn ? { RoleArn: rule.roleArn } : {}),
    EventBusName: rule.busName,
  };
}

/** An opaque ListRules page token (the offset of the next rule). */
const pageToken = (offset: number) => Buffer.from(`rules:${offset}`).toString('base64');

/**
 * ListRules: the bus's rules (pattern and scheduled) whose name starts with `NamePrefix`, `Limit`
 * (1-100) at a time, by name; `busName` resolves the request's `EventBusName` (name or ARN).
 */
export function listRules(
  rules: readonly AnyRule[],
  request: Body,
  busName: (nameOrArn: string) => string,
): { Rules: Record<string, unknown>[]; NextToken?: string } {
  const bus = busName(busNameOrArnOf(request.EventBusName));
  if (
    request.NamePrefix !== undefined &&
    (typeof request.NamePrefix !== 'string' || !RULE_NAME.test(request.NamePrefix))
  )
    throw validation(
      `Value '${String(request.NamePrefix)}' at 'namePrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+`,
    );
  const prefix = typeof request.NamePrefix === 'string' ? request.NamePrefix : '';
  const limit = request.Limit === undefined ? 100 : Number(request.Limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    throw validation(
      "Value at 'limit' failed to satisfy constraint: Member must have value between 1 and 100",
    );
  let offset = 0;
  if (request.NextToken !== undefined) {
    const decoded = /^rules:(\d+)$/.exec(Buffer.from(String(request.NextToken), 'base64').toString('utf8'));
    if (!decoded) throw new AwsJsonError('ValidationException', 'The NextToken provided is invalid.');
    offset = Number(decoded[1]);
  }
  const matching = rules
    .filter((rule) => rule.busName === bus && rule.name.startsWith(prefix))
    .sort((a, b) => a.name.localeCompare(b.name));
  const page = matching.slice(offset, offset + limit);
  return {
    Rules: page.map(ruleView),
    ...(offset + limit < matching.length ? { NextToken: pageToken(offset + limit) } : {}),
  };
}

/** DescribeRule: one rule of the bus, or ResourceNotFoundException as EventBridge words it. */
export function describeRule(
  rules: readonly AnyRule[],
  request: Body,
  options: { readonly busName: (nameOrArn: string) => string; readonly accountId: string },
): Record<string, unknown> {
  const name = ruleNameOf(request.Name);
  const bus = options.busName(busNameOrArnOf(request.EventBusName));
  const rule = rules.find((candidate) => candidate.name === name && candidate.busName === bus);
  if (!rule)
    throw new AwsJsonError('ResourceNotFoundException', `Rule ${name} does not exist on EventBus ${bus}.`);
  return { ...ruleView(rule), CreatedBy: options.accountId };
}

/**
 * DescribeEventBus: the bus's name, ARN, description and resource policy (the template's
 * `AWS::Events::EventBusPolicy` statements on it), created when the sandbox started.
 */
export function describeEventBus(
  resolver: TemplateResolver,
  request: Body,
  options: { readonly busName: (nameOrArn: string) => string; readonly createdAt: Date },
): Record<string, unknown> {
  const name = options.busName(busNameOrArnOf(request.Name, 'name'));
  const { region, accountId } = resolver.env;
  const bus = resolver
    .resourcesOfType('AWS::Events::EventBus')
    .find(([logicalId]) => resolver.ref(logicalId) === name);
  const properties = (bus ? resolver.resolve(bus[1].Properties ?? {}) : {}) as {
    Description?: string;
    KmsKeyIdentifier?: string;
  };
  const statements = resolver
    .resourcesOfType('AWS::Events::EventBusPolicy')
    .map(
      ([, policy]) =>
        resolver.resolve(policy.Properties ?? {}) as { EventBusName?: string; Statement?: unknown },
    )
    .filter(
      (policy) => (policy.EventBusName ?? 'default') === name || policy.EventBusName?.endsWith(`/${name}`),
    )
    .flatMap((policy) => (policy.Statement ? [policy.Statement] : []));
  const created = options.createdAt.getTime() / 1000;
  return {
    Name: name,
    Arn: `arn:aws:events:${region}:${accountId}:event-bus/${name}`,
    ...(properties.Description ? { Description: properties.Description } : {}),
    ...(properties.KmsKeyIdentifier ? { KmsKeyIdentifier: properties.KmsKeyIdentifier } : {}),
    ...(statements.length > 0
      ? { Policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }
      : {}),
    CreationTime: created,
    LastModifiedTime: created,
  };
}
