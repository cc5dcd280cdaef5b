import type { LocalEventBus } from './eventbridge/bus.ts';
import { FunctionError, type LocalFunctions } from './functions.ts';
import type { AuthorizationRequest, Denial, SandboxIam } from './iam.ts';
import { AWS_JSON_AUTHORIZATION } from './iam-actions.ts';
import type { SandboxLog } from './log.ts';
import { LocalStepFunctions } from './stepfunctions.ts';
import type { TemplateResolver } from './template.ts';

/**
 * Step Functions: the template's state machines, whose Lambda and EventBridge integrations are called as
 * the machine's role; a refused call fails the task as Step Functions reports it.
 */
export function startStepFunctions(options: {
  readonly resolver: TemplateResolver;
  readonly iam: SandboxIam;
  readonly log: SandboxLog;
  readonly functions: LocalFunctions;
  readonly bus: LocalEventBus;
  readonly retryDelayMs?: number;
}): LocalStepFunctions {
  const { resolver, iam, functions, bus } = options;
  const asStateMachine = async (
    machineId: string | undefined,
    request: AuthorizationRequest,
  ): Promise<Denial | undefined> => {
    const roleId = machineId ? iam.roleOf(machineId) : undefined;
    if (!machineId || !roleId) return undefined;
    return iam.authorizeRole(roleId, iam.sessionArn(roleId, machineId), request);
  };
  return new LocalStepFunctions(
    resolver,
    {
      invokeFunction: async (logicalId, payload, machineId) => {
        const denial = await asStateMachine(machineId, {
          action: 'lambda:InvokeFunction',
          resource: resolver.arn(logicalId),
        });
        if (denial) throw new FunctionError('Lambda.AWSLambdaException', awsSdkCause(denial, 'AWSLambda'));
        return functions.invoke(logicalId, payload);
      },
      putEvents: async (entries, machineId) => {
        const detailed = entries.map((entry) => ({
          ...entry,
          Detail: typeof entry.Detail === 'string' ? entry.Detail : JSON.stringify(entry.Detail ?? {}),
        }));
        const requests =
          AWS_JSON_AUTHORIZATION['AWSEvents.PutEvents']?.({ Entries: detailed }, resolver) ?? [];
        for (const request of requests) {
          const denial = await asStateMachine(machineId, request);
          if (denial)
            throw new FunctionError(
              'EventBridge.AmazonEventBridgeException',
              awsSdkCause(denial, 'AmazonEventBridge'),
            );
        }
        const result = bus.putEvents(detailed);
        // The optimized integration fails the task when EventBridge did not take an entry.
        if (result.FailedEntryCount > 0)
          throw new FunctionError('EventBridge.FailedEntry', JSON.stringify(result.Entries));
        return result;
      },
    },
    {
      log: options.log,
      ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
    },
  );
}

/** The cause Step Functions reports when a service integration's call is refused. */
function awsSdkCause(denial: Denial, service: string): string {
  return `${denial.message} (Service: ${service}; Status Code: 403; Error Code: AccessDeniedException)`;
}
