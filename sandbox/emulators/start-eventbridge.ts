import { LocalEventBus } from './eventbridge/bus.ts';
import { FunctionError } from './functions.ts';
import type { SandboxIam } from './iam.ts';
import type { SandboxLog } from './log.ts';
import type { LocalStepFunctions } from './stepfunctions.ts';
import type { TemplateResolver } from './template.ts';

/** What the bus's targets are: the template's functions (as Lambda invokes them) and state machines. */
export interface EventBusOptions {
  readonly resolver: TemplateResolver;
  readonly iam: SandboxIam;
  readonly log: SandboxLog;
  /** Lambda's invocation of a function target (asynchronous where the template configures it). */
  readonly invokeFunction: (functionId: string, input: unknown) => Promise<void>;
  /** The state machines a rule may start (bound late: they put events on this bus). */
  readonly stepFunctions: () => LocalStepFunctions | undefined;
  readonly retryDelayMs: number;
  readonly eventLogFields?: Readonly<Record<string, string>>;
  /** When the buses and rules came to be. */
  readonly createdAt?: Date;
}

/**
 * EventBridge: the template's buses and rules, each target called as the rule's role, or as
 * events.amazonaws.com (which the target's resource policy must allow for this rule); scheduled rules
 * fire at their period (the timers never hold the process). `stop` ends the timers.
 */
export function startEventBus(options: EventBusOptions): { bus: LocalEventBus; stop(): Promise<void> } {
  const { resolver, iam } = options;
  const bus = new LocalEventBus(
    resolver,
    async (targetArn, input, { ruleName, roleArn }) => {
      const ruleArn = resolver.arn(ruleName);
      const action = targetArn.includes(':states:') ? 'states:StartExecution' : 'lambda:InvokeFunction';
      const roleId = roleArn ? resolver.logicalIdOf(roleArn) : undefined;
      const denial = roleId
        ? await iam.authorizeRole(roleId, iam.sessionArn(roleId, 'events'), { action, resource: targetArn })
        : await iam.authorizeService('events.amazonaws.com', ruleArn, { action, resource: targetArn });
      if (denial) throw new FunctionError('AccessDeniedException', denial.message);
      const stepFunctions = options.stepFunctions();
      if (targetArn.includes(':states:') && stepFunctions) {
        stepFunctions.startExecution(targetArn, input);
        return;
      }
      const functionId = resolver.logicalIdOf(targetArn);
      if (!functionId) throw new Error(`Unknown target ${targetArn}`);
      await options.invokeFunction(functionId, input);
    },
    {
      log: options.log,
      retryDelayMs: options.retryDelayMs,
      ...(options.createdAt ? { createdAt: options.createdAt } : {}),
      deadLetterAllowed: (ruleName, queueArn) => iam.deadLetterAllowed(resolver.arn(ruleName), queueArn),
      ...(options.eventLogFields ? { logDetailFields: options.eventLogFields } : {}),
    },
  );
  const timers = bus.scheduled.flatMap((rule) => {
    if (rule.periodMs === undefined) return [];
    const timer = setInterval(() => void bus.fireScheduled(rule.name), rule.periodMs);
    timer.unref();
    return [timer];
  });
  return {
    bus,
    stop: async () => {
      for (const timer of timers) clearInterval(timer);
    },
  };
}
