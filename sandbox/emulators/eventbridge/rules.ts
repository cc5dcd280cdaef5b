import { renderInputTemplate } from '../pipes.ts';
import type { TemplateResolver } from '../template.ts';
import { type CompiledPattern, parseEventPattern } from './event-pattern.ts';

/** A rule's target as the template configures it. */
export interface RuleTarget {
  readonly arn: string;
  readonly input?: string;
  readonly inputPath?: string;
  /** `InputTransformer`: variables by JSON path, and the template they fill. */
  readonly inputTransformer?: { readonly pathsMap: Record<string, string>; readonly template: string };
  readonly dlqArn?: string;
  readonly roleArn?: string;
  readonly maxAttempts: number;
}

/** What every rule has, as ListRules and DescribeRule report it. */
export interface RuleDefinition {
  readonly name: string;
  readonly arn: string;
  readonly busName: string;
  readonly description?: string;
  /** The role the rule's targets are called as, when the rule names one. */
  readonly roleArn?: string;
  enabled: boolean;
}

/** A rule on a bus: its pattern compiled, its state, its targets. */
export interface BusRule extends RuleDefinition {
  /** The pattern as the template gives it (ListRules returns it as JSON text). */
  readonly eventPattern: string;
  readonly pattern: CompiledPattern;
  readonly targets: RuleTarget[];
}

/** A scheduled rule of the default bus: the sandbox fires a `rate(...)` one on a timer, or on request. */
export interface ScheduledRule extends RuleDefinition {
  readonly scheduleExpression: string;
  /** The period of a `rate(...)` expression; undefined for `cron(...)` (fired only on request). */
  readonly periodMs?: number;
  readonly targets: string[];
}

/**
 * The template's `AWS::Events::Rule`s: pattern rules on their bus (`busNameOf` resolves a name or ARN),
 * and scheduled rules, enabled or not.
 */
export function rulesOf(
  resolver: TemplateResolver,
  busNameOf: (nameOrArn: string) => string,
): { rules: BusRule[]; scheduled: ScheduledRule[] } {
  const rules: BusRule[] = [];
  const scheduled: ScheduledRule[] = [];
  for (const [logicalId, resource] of resolver.resourcesOfType('AWS::Events::Rule')) {
    const properties = resolver.resolve(resource.Properties ?? {}) as {
      EventBusName?: string;
      EventPattern?: unknown;
      ScheduleExpression?: string;
      State?: string;
      Description?: string;
      RoleArn?: string;
      Targets?: {
        Arn: string;
        Input?: string;
        InputPath?: string;
        InputTransformer?: { InputPathsMap?: Record<string, string>; InputTemplate: string };
        DeadLetterConfig?: { Arn: string };
        RoleArn?: string;
        RetryPolicy?: { MaximumRetryAttempts?: number };
      }[];
    };
    const busName = busNameOf(properties.EventBusName ?? 'default');
    const name = resolver.ref(logicalId);
    const definition: RuleDefinition = {
      name,
      arn: `arn:aws:events:${resolver.env.region}:${resolver.env.accountId}:rule/${busName === 'default' ? '' : `${busName}/`}${name}`,
      busName,
      ...(properties.Description ? { description: properties.Description } : {}),
      ...(properties.RoleArn ? { roleArn: properties.RoleArn } : {}),
      enabled: properties.State !== 'DISABLED',
    };
    if (properties.EventPattern === undefined) {
      const schedule = properties.ScheduleExpression;
      if (!schedule) continue;
      const periodMs = ratePeriodMs(schedule);
      scheduled.push({
        ...definition,
        scheduleExpression: schedule,
        ...(periodMs === undefined ? {} : { periodMs }),
        targets: (properties.Targets ?? []).map((target) => target.Arn),
      });
      continue;
    }
    rules.push({
      ...definition,
      eventPattern: JSON.stringify(properties.EventPattern),
      pattern: parseEventPattern(properties.EventPattern),
      targets: (properties.Targets ?? []).map((target) => ({
        arn: target.Arn,
        ...(target.Input ? { input: target.Input } : {}),
        ...(target.InputPath ? { inputPath: target.InputPath } : {}),
        ...(target.InputTransformer
          ? {
              inputTransformer: {
                pathsMap: target.InputTransformer.InputPathsMap ?? {},
                template: target.InputTransformer.InputTemplate,
              },
            }
          : {}),
        ...(target.DeadLetterConfig ? { dlqArn: target.DeadLetterConfig.Arn } : {}),
        ...(target.RoleArn ? { roleArn: target.RoleArn } : {}),
        // The sandbox retries quickly and a few times; the deployed policy is in the template.
        maxAttempts: Math.min(3, (target.RetryPolicy?.MaximumRetryAttempts ?? 185) + 1),
      })),
    });
  }

  return { rules, scheduled };
}

/** The period of a `rate(N minute|minutes|hour|hours|day|days)` expression; undefined for `cron(...)`. */
function ratePeriodMs(expression: string): number | undefined {
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (!match) return undefined;
  const unit = match[2]?.startsWith('minute')
    ? 60_000
    : match[2]?.startsWith('hour')
      ? 3_600_000
      : 86_400_000;
  return Number(match[1]) * unit;
}

/**
 * The input an `InputTransformer` makes of `event`: each `<variable>` of the template replaced by the
 * value its JSON path names (a value outside quotes as JSON, inside quotes as string content), and the
 * reserved `<aws.events.rule-name>`, `<aws.events.rule-arn>`.
 */
export function transformInput(
  transformer: NonNullable<RuleTarget['inputTransformer']>,
  event: unknown,
  rule: Pick<BusRule, 'name' | 'arn'>,
): unknown {
  const template = transformer.template.replace(/<([^<>$]+)>/g, (placeholder, name: string) => {
    const path = transformer.pathsMap[name];
    return path ? `<${path}>` : placeholder;
  });
  const reserved = { 'aws.events.rule-name': rule.name, 'aws.events.rule-arn': rule.arn };
  const rendered = renderInputTemplate(template, event, reserved);
  try {
    return JSON.parse(rendered);
  } catch {
    // A template that is no JSON (text) reaches the target as a string.
    return rendered;
  }
}
