import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { type FunctionCredentials, SandboxIam } from './iam.ts';
import type { SandboxLog } from './log.ts';
import type { TemplateResolver, TemplateResource } from './template.ts';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

/** Where a function's handler module is: an absolute file path, and how log lines name it. */
export interface HandlerSource {
  readonly path: string;
  readonly label: string;
}

/**
 * Finds the handler module of a template function (its code asset names none the sandbox can run);
 * undefined leaves the function out, as if the template had no such function.
 */
export type HandlerResolver = (logicalId: string, resource: TemplateResource) => HandlerSource | undefined;

interface FunctionSpec {
  readonly logicalId: string;
  readonly source: HandlerSource;
  readonly environment: Record<string, string>;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
}

/** A handler threw or timed out; `name` is the error type Step Functions and EventBridge see. */
export class FunctionError extends Error {
  constructor(name: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = name;
  }
}

let instances = 0;

/**
 * Runs the template's Lambda functions in-process from their handler sources. Each handler module is
 * loaded once (a warm container) with its own template environment in force while it initialises;
 * handlers read configuration at init, so concurrent invocations of different functions never mix.
 */
export class LocalFunctions {
  /** Invocations and their summed duration per function (the bench prices them). */
  readonly stats = new Map<string, { invocations: number; durationMs: number; memoryMb: number }>();
  private readonly specs = new Map<string, FunctionSpec>();
  private readonly handlers = new Map<string, Promise<Handler>>();
  private loading: Promise<unknown> = Promise.resolve();
  /** Each sandbox in a process loads its own module instances (its own clients, endpoints, caches). */
  private readonly instance = ++instances;

  constructor(
    private readonly resolver: TemplateResolver,
    handlerSource: HandlerResolver,
    private readonly log: SandboxLog,
    /** Each function's role-session credentials (in its environment, as Lambda sets them). */
    private readonly credentialsOf: (logicalId: string) => FunctionCredentials | undefined = () => undefined,
  ) {
    for (const [logicalId, resource] of resolver.resourcesOfType('AWS::Lambda::Function')) {
      const source = handlerSource(logicalId, resource);
      if (!source) continue;
      const properties = resolver.resolve(resource.Properties ?? {}) as {
        Environment?: { Variables?: Record<string, string> };
        Timeout?: number;
        MemorySize?: number;
      };
      this.specs.set(logicalId, {
        logicalId,
        source,
        environment: properties.Environment?.Variables ?? {},
        timeoutSeconds: properties.Timeout ?? 3,
        memoryMb: properties.MemorySize ?? 128,
      });
    }
  }

  /** Loads every handler up front so the first request pays no import cost. */
  async warmAll(): Promise<void> {
    for (const logicalId of this.specs.keys()) await this.handlerFor(logicalId);
  }

  /** Invokes a function synchronously and returns its result; errors surface as {@link FunctionError}. */
  async invoke(logicalId: string, event: unknown): Promise<unknown> {
    const spec = this.specs.get(logicalId);
    if (!spec) throw new FunctionError('ResourceNotFoundException', `Function not found: ${logicalId}`);
    const handler = await this.handlerFor(logicalId);
    const requestId = randomUUID();
    const deadline = Date.now() + spec.timeoutSeconds * 1000;
    const context = {
      functionName: logicalId,
      functionVersion: '$LATEST',
      invokedFunctionArn: this.resolver.arn(logicalId),
      memoryLimitInMB: String(spec.memoryMb),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${logicalId}`,
      logStreamName: `sandbox/${requestId}`,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new FunctionError('Sandbox.Timedout', `Task timed out after ${spec.timeoutSeconds} seconds`),
          ),
        spec.timeoutSeconds * 1000,
      );
    });
    const started = performance.now();
    try {
      return await Promise.race([this.asFunction(logicalId, () => handler(event, context)), timeout]);
    } catch (error) {
      if (error instanceof FunctionError) throw error;
      const name = error instanceof Error ? error.name : 'Error';
      throw new FunctionError(name, error instanceof Error ? error.message : String(error), { cause: error });
    } finally {
      clearTimeout(timer);
      const stat = this.stats.get(logicalId) ?? { invocations: 0, durationMs: 0, memoryMb: spec.memoryMb };
      stat.invocations++;
      stat.durationMs += performance.now() - started;
      this.stats.set(logicalId, stat);
    }
  }

  /** Runs `task` as the function's own code: AWS calls it makes carry the function's credentials. */
  private asFunction<T>(logicalId: string, task: () => Promise<T>): Promise<T> {
    const credentials = this.credentialsOf(logicalId);
    return credentials ? SandboxIam.running.run(credentials, task) : task();
  }

  private handlerFor(logicalId: string): Promise<Handler> {
    let handler = this.handlers.get(logicalId);
    if (!handler) {
      const spec = this.specs.get(logicalId) as FunctionSpec;
      handler = this.serialised(() => this.asFunction(logicalId, () => this.load(spec)));
      this.handlers.set(logicalId, handler);
      handler.catch(() => this.handlers.delete(logicalId));
    }
    return handler;
  }

  /** Module loads run one at a time, so each sees only its own function's environment. */
  private serialised<T>(task: () => Promise<T>): Promise<T> {
    const run = this.loading.then(task, task);
    this.loading = run.catch(() => undefined);
    return run;
  }

  private async load(spec: FunctionSpec): Promise<Handler> {
    const lambdaEnv: Record<string, string> = {
      ...spec.environment,
      ...this.credentialsOf(spec.logicalId),
      AWS_LAMBDA_FUNCTION_NAME: spec.logicalId,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    };
    const saved = Object.fromEntries(Object.keys(lambdaEnv).map((key) => [key, process.env[key]]));
    Object.assign(process.env, lambdaEnv);
    try {
      const url = pathToFileURL(spec.source.path).href;
      // A distinct URL per function: two functions sharing a handler file still get their own module.
      const module = (await import(`${url}?function=${spec.logicalId}&sandbox=${this.instance}`)) as {
        handler?: Handler;
      };
      if (typeof module.handler !== 'function') throw new Error(`${spec.source.label} exports no handler`);
      this.log.line('lambda', `${spec.logicalId} loaded (${spec.source.label})`);
      return module.handler;
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  }
}
