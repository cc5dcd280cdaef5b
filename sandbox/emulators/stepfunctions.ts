import { randomUUID } from 'node:crypto';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import { AwsJsonError } from './aws-protocol.ts';
import type { SandboxLog } from './log.ts';
import type { TemplateResolver } from './template.ts';

// aws-local-stepfunctions declares Node >= 22 for this API (used when a Task runs); polyfill it on Node 20.
const promiseWithResolvers = Promise as unknown as { withResolvers?: unknown };
promiseWithResolvers.withResolvers ??= <T>() => {
  let resolve!: (value: T) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

/** Step Functions' limit on an execution's input (256 KiB of UTF-8). */
const MAX_INPUT_BYTES = 256 * 1024;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** How a Task state's Resource is carried out in the sandbox. */
export interface TaskResources {
  /** Invokes a template function by logical id, as the state machine `machineId` (its role). */
  invokeFunction(logicalId: string, payload: unknown, machineId?: string): Promise<unknown>;
  /** The `events:putEvents` service integration, as the state machine `machineId` (its role). */
  putEvents(
    entries: { Detail?: unknown; DetailType?: string; Source?: string; EventBusName?: string }[],
    machineId?: string,
  ): unknown;
}

/** One execution, as DescribeExecution reports it. */
export interface ExecutionRecord {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  readonly startDate: Date;
  stopDate?: Date;
  readonly input: string;
  output?: string;
  error?: string;
  cause?: string;
  done: Promise<void>;
}

/** A state machine as DescribeStateMachine describes it, from the template. */
export interface StateMachineDescription {
  readonly logicalId: string;
  readonly arn: string;
  /** `STANDARD` or `EXPRESS`, from the template (CloudFormation's default is STANDARD). */
  readonly type: 'STANDARD' | 'EXPRESS';
  /** The definition as the template gives it (JSON text). */
  readonly definitionString: string;
  readonly roleArn: string;
  /** `LoggingConfiguration` and `TracingConfiguration` as the template sets them. */
  readonly logging?: {
    readonly Level?: string;
    readonly IncludeExecutionData?: boolean;
    readonly Destinations?: { CloudWatchLogsLogGroup?: { LogGroupArn?: string } }[];
  };
  readonly tracingEnabled: boolean;
}

interface MachineSpec extends StateMachineDescription {
  readonly definition: Record<string, unknown> & { States: Record<string, Record<string, unknown>> };
  /** Built once: construction validates the whole definition, which takes hundreds of ms. */
  readonly machine: StateMachine;
}

/**
 * Runs the template's state machines with aws-local-stepfunctions: the synthesized definition as is,
 * Retry and Catch intact, each Task state bound to the real handler or service integration it names.
 */
export class LocalStepFunctions {
  readonly executions = new Map<string, ExecutionRecord>();
  private readonly machines = new Map<string, MachineSpec>();

  private readonly log: SandboxLog;
  private readonly retryDelayMs: number | undefined;

  constructor(
    private readonly resolver: TemplateResolver,
    private readonly resources: TaskResources,
    options: {
      readonly log: SandboxLog;
      /** Retry waits in ms instead of the definition's seconds (tests shorten them); undefined keeps them. */
      readonly retryDelayMs?: number;
    },
  ) {
    this.log = options.log;
    this.retryDelayMs = options.retryDelayMs;
    for (const [logicalId, resource] of resolver.resourcesOfType('AWS::StepFunctions::StateMachine')) {
      const properties = resolver.resolve(resource.Properties ?? {}) as {
        DefinitionString?: string;
        RoleArn?: string;
        StateMachineType?: string;
        LoggingConfiguration?: StateMachineDescription['logging'];
        TracingConfiguration?: { Enabled?: boolean };
      };
      const definitionString = String(properties.DefinitionString);
      const definition = JSON.parse(definitionString);
      const machine = new StateMachine(definition, { validationOptions: { checkPaths: false } });
      this.machines.set(resolver.arn(logicalId), {
        logicalId,
        arn: resolver.arn(logicalId),
        type: properties.StateMachineType === 'EXPRESS' ? 'EXPRESS' : 'STANDARD',
        definitionString,
        roleArn: String(properties.RoleArn ?? ''),
        ...(properties.LoggingConfiguration ? { logging: properties.LoggingConfiguration } : {}),
        tracingEnabled: properties.TracingConfiguration?.Enabled === true,
        definition,
        machine,
      });
    }
  }

  /** ARNs of the state machines. */
  get stateMachineArns(): string[] {
    return [...this.machines.keys()];
  }

  /** The state machine's type (`STANDARD` or `EXPRESS`); throws StateMachineDoesNotExist for an unknown ARN. */
  typeOf(stateMachineArn: string): 'STANDARD' | 'EXPRESS' {
    return this.describe(stateMachineArn).type;
  }

  /** The state machine as the template defines it; throws StateMachineDoesNotExist for an unknown ARN. */
  describe(stateMachineArn: string): StateMachineDescription {
    const machine = this.machines.get(stateMachineArn);
    if (!machine)
      throw new AwsJsonError(
        'StateMachineDoesNotExist',
        `State Machine Does Not Exist: '${stateMachineArn}'`,
      );
    return machine;
  }

  /** Starts an execution and returns at once (as StartExecution does); `done` settles when it ends. */
  startExecution(stateMachineArn: string, input: unknown, name: string = randomUUID()): ExecutionRecord {
    const machine = this.describe(stateMachineArn) as MachineSpec;
    // Express executions are named `express:<machine>:<name>:<id>` and may reuse a name; standard ones may not.
    const text = JSON.stringify(input ?? {});
    // Step Functions' limit on an execution's input; a rule target this large fails its delivery.
    if (Buffer.byteLength(text) > MAX_INPUT_BYTES)
      throw new AwsJsonError(
        'ValidationException',
        "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to 262144",
      );
    const executionArn =
      machine.type === 'EXPRESS'
        ? `${stateMachineArn.replace(':stateMachine:', ':express:')}:${name}:${randomUUID()}`
        : `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    if (this.executions.has(executionArn))
      throw new AwsJsonError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn,
      name,
      status: 'RUNNING',
      startDate: new Date(),
      input: text,
      done: Promise.resolve(),
    };
    this.executions.set(executionArn, record);
    record.done = this.run(machine, record, input as Json);
    return record;
  }

  /** Resolves when every execution started so far has ended. */
  async settled(): Promise<void> {
    await Promise.all([...this.executions.values()].map((execution) => execution.done));
  }

  private async run(machine: MachineSpec, record: ExecutionRecord, input: Json): Promise<void> {
    const shortName = record.name.slice(0, 8);
    this.log.line('sfn', `${machine.logicalId} ${shortName} started`);
    const execution = machine.machine.run(input, {
      overrides: {
        taskResourceLocalHandlers: this.taskHandlers(machine),
        ...(this.retryDelayMs === undefined ? {} : { retryIntervalOverrides: this.retryOverrides(machine) }),
      },
    });
    const logging = (async () => {
      for await (const event of execution.eventLogs) {
        const state = 'state' in event ? event.state.name : '';
        if (event.type === 'StateExited')
          this.log.line('sfn', `${machine.logicalId} ${shortName} ${state}: done`);
        if (event.type === 'StateRetried')
          this.log.line('sfn', `${machine.logicalId} ${shortName} ${state}: retry ${event.retry.attempt}`);
        if (event.type === 'StateFailed' || event.type === 'StateCaught') {
          const error = 'Error' in event ? String(event.Error) : '';
          this.log.line(
            'sfn',
            `${machine.logicalId} ${shortName} ${state}: ${event.type === 'StateCaught' ? 'caught' : 'failed'} ${error}`,
          );
        }
      }
    })().catch(() => undefined);
    try {
      const output = await execution.result;
      record.status = 'SUCCEEDED';
      record.output = JSON.stringify(output);
    } catch (error) {
      record.status = 'FAILED';
      const cause = (error as { cause?: { name?: string; message?: string } }).cause;
      if (error instanceof ExecutionError && cause) {
        record.error = cause.name ?? 'Error';
        record.cause = cause.message ?? '';
      } else {
        record.error = error instanceof Error ? error.name : 'Error';
        record.cause = error instanceof Error ? error.message : String(error);
      }
    } finally {
      record.stopDate = new Date();
      await logging;
      const why = record.status === 'FAILED' ? ` ${record.error}: ${record.cause}` : '';
      this.log.line('sfn', `${machine.logicalId} ${shortName} ${record.status}${why}`);
    }
  }

  private taskHandlers(machine: MachineSpec): Record<string, (input: Json) => Promise<Json>> {
    const handlers: Record<string, (input: Json) => Promise<Json>> = {};
    for (const [stateName, state] of Object.entries(machine.definition.States)) {
      if (state.Type !== 'Task') continue;
      const resource = String(state.Resource);
      handlers[stateName] = async (input) => {
        if (resource.endsWith(':states:::events:putEvents')) {
          return (await this.resources.putEvents(
            (input as { Entries: never[] }).Entries,
            machine.logicalId,
          )) as Json;
        }
        if (resource.endsWith(':states:::lambda:invoke')) {
          const { FunctionName, Payload } = input as { FunctionName: string; Payload: unknown };
          const payload = await this.resources.invokeFunction(
            this.functionId(FunctionName),
            Payload,
            machine.logicalId,
          );
          return { Payload: payload, StatusCode: 200 } as Json;
        }
        return (await this.resources.invokeFunction(
          this.functionId(resource),
          input,
          machine.logicalId,
        )) as Json;
      };
    }
    return handlers;
  }

  private functionId(arnOrName: string): string {
    const logicalId = this.resolver.logicalIdOf(arnOrName.replace(/:(\$LATEST|\d+)$/, ''));
    if (!logicalId) throw new AwsJsonError('ResourceNotFoundException', `Function not found: ${arnOrName}`);
    return logicalId;
  }

  private retryOverrides(machine: MachineSpec): Record<string, number> {
    return Object.fromEntries(
      Object.entries(machine.definition.States)
        .filter(([, state]) => Array.isArray(state.Retry))
        .map(([name]) => [name, this.retryDelayMs as number]),
    );
  }
}
