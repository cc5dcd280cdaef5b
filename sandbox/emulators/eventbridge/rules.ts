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

/** A rule on a bus: its pattern compiled, its state, its targets. */
export interface BusRule {
  readonly name: string;
  readonly arn: string;
  /** The pattern as the template gives it (ListRules returns it as JSON text). */
  readonly eventPattern: string;
  enabled: boolean;
  readonly busName: string;
  readonly pattern: CompiledPattern;
  readonly targets: RuleTarget[];
}

/** A scheduled rule (`rate(...)`) of the default bus: the sandbox fires it on a timer, or on request. */
export interface ScheduledRule {
  readonly name: string;
  readonly periodMs: number;
  readonly targets: string[];
}

/**
 * The template's `AWS::Events::Rule`s: pattern rules on their bus (`busNameOf` resolves a name or ARN),
 * and the scheduled rules that are enabled.
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
      State?: string;
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
    if (properties.EventPattern === undefined) {
      const schedule = (resource.Properties as { ScheduleExpression?: string } | undefined)
        ?.ScheduleExpression;
      const periodMs = schedule ? ratePeriodMs(schedule) : undefined;
      if (periodMs !== undefined && properties.State !== 'DISABLED')
        scheduled.push({
          name: resolver.ref(logicalId),
          periodMs,
          targets: (properties.Targets ?? []).map((target) => target.Arn),
        });
      continue;
    }
    const busName = busNameOf(properties.EventBusName ?? 'default');
    const ruleName = resolver.ref(logicalId);
    rules.push({
      name: ruleName,
      arn: `arn:aws:events:${resolver.env.region}:${resolver.env.accountId}:rule/${busName === 'default' ? '' : `${busName}/`}${ruleName}`,
      eventPattern: JSON.stringify(properties.EventPattern),
      enabled: properties.State !== 'DISABLED',
      busName,
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
