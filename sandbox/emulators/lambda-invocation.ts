import type { LocalFunctions } from './functions.ts';
import type { SandboxIam } from './iam.ts';
import type { SandboxLog } from './log.ts';
import type { TemplateResolver } from './template.ts';

/** A function's `AWS::Lambda::EventInvokeConfig`: retries (at most 2, as Lambda) and where a failure goes. */
interface AsyncInvokeConfig {
  readonly retries: number;
  readonly onFailure?: string;
}

/** The template's asynchronous invocation configs, by function logical id. */
function asyncInvokeConfigsOf(resolver: TemplateResolver): Map<string, AsyncInvokeConfig> {
  const configs = new Map<string, AsyncInvokeConfig>();
  for (const [, config] of resolver.resourcesOfType('AWS::Lambda::EventInvokeConfig')) {
    const properties = resolver.resolve(config.Properties ?? {}) as {
      FunctionName: string;
      MaximumRetryAttempts?: number;
      DestinationConfig?: { OnFailure?: { Destination?: string } };
    };
    const functionId = resolver.logicalIdOf(properties.FunctionName);
    if (!functionId) continue;
    const onFailure = properties.DestinationConfig?.OnFailure?.Destination;
    configs.set(functionId, {
      retries: Math.min(2, properties.MaximumRetryAttempts ?? 2),
      ...(onFailure ? { onFailure } : {}),
    });
  }
  return configs;
}

/**
 * Lambda's invocation of a function by another service (EventBridge -> Lambda): with an
 * `EventInvokeConfig`, asynchronous, so Lambda retries the function, then sends the event to its
 * on-failure destination as the function's role; without one, a plain call whose error the caller sees.
 */
export function eventInvoker(options: {
  readonly resolver: TemplateResolver;
  readonly functions: () => LocalFunctions;
  readonly iam: SandboxIam;
  readonly log: SandboxLog;
  readonly retryDelayMs: number;
}): (functionId: string, input: unknown) => Promise<void> {
  const { iam, log } = options;
  const configs = asyncInvokeConfigsOf(options.resolver);
  const invokeAsync = async (functionId: string, input: unknown, config: AsyncInvokeConfig) => {
    let lastError = '';
    for (let attempt = 0; attempt <= config.retries; attempt++) {
      try {
        await options.functions().invoke(functionId, input);
        return;
      } catch (error) {
        lastError = error instanceof Error ? error.name : String(error);
        if (attempt < config.retries)
          await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs * (attempt + 1)));
      }
    }
    const roleId = iam.roleOf(functionId);
    const denial =
      config.onFailure && roleId
        ? await iam.authorizeRole(roleId, iam.sessionArn(roleId, functionId), {
            action: 'sqs:SendMessage',
            resource: config.onFailure,
          })
        : undefined;
    const outcome = !config.onFailure
      ? 'dropped (no on-failure destination)'
      : denial
        ? 'on-failure destination refused, dropped'
        : `sent to its on-failure destination ${config.onFailure.split(':').pop()}`;
    log.line('lambda', `${functionId} asynchronous invocation failed: ${lastError} -> ${outcome}`);
  };
  return async (functionId, input) => {
    const config = configs.get(functionId);
    if (config) return invokeAsync(functionId, input, config);
    await options.functions().invoke(functionId, input);
  };
}
