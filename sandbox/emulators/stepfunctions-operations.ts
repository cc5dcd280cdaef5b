import { AwsJsonError } from './aws-protocol.ts';
import type { ExecutionRecord, LocalStepFunctions } from './stepfunctions.ts';

type Body = Record<string, unknown>;

const STATE_MACHINE_ARN = /^arn:aws[\w-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]{1,80}$/;

/** A state machine ARN as Step Functions validates it: InvalidArn otherwise. */
function stateMachineArnOf(value: unknown): string {
  const arn = typeof value === 'string' ? value : '';
  if (!STATE_MACHINE_ARN.test(arn)) throw new AwsJsonError('InvalidArn', `Invalid Arn: '${String(value)}'`);
  return arn;
}

/**
 * An execution name as Step Functions validates it: 1-80 characters, no whitespace, brackets,
 * wildcards or special characters (InvalidName).
 */
function executionNameOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const name = String(value);
  const controlCharacter = [...name].some((char) => {
    const code = char.charCodeAt(0);
    return code < 0x20 || (code >= 0x7f && code <= 0x9f);
  });
  if (name.length < 1 || name.length > 80 || controlCharacter || /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/.test(name))
    throw new AwsJsonError('InvalidName', `Invalid Name: '${name}'`);
  return name;
}

/** StartExecution's `input`: a JSON text, as Step Functions requires (its size is checked on start). */
function executionInput(input: unknown): unknown {
  if (input === undefined || input === null) return {};
  const text = String(input);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AwsJsonError(
      'InvalidExecutionInput',
      `Invalid State Machine Execution Input: '${(error as Error).message}'`,
      { cause: error },
    );
  }
}

/** An execution as DescribeExecution describes it (dates in epoch seconds). */
export function executionView(execution: ExecutionRecord) {
  return {
    executionArn: execution.executionArn,
    stateMachineArn: execution.stateMachineArn,
    name: execution.name,
    status: execution.status,
    startDate: execution.startDate.getTime() / 1000,
    ...(execution.stopDate ? { stopDate: execution.stopDate.getTime() / 1000 } : {}),
    input: execution.input,
    ...(execution.output ? { output: execution.output } : {}),
    ...(execution.error ? { error: execution.error, cause: execution.cause } : {}),
  };
}

const notForType = () =>
  new AwsJsonError(
    'StateMachineTypeNotSupported',
    'This operation is not supported by this type of state machine',
  );

/**
 * Step Functions' operations on the state machines and their executions, by X-Amz-Target: start
 * (asynchronous, and synchronous for Express machines), describe, list. `createdAt` is when the machines
 * came to be (the sandbox's start).
 */
export function stepFunctionsOperations(
  stepFunctions: LocalStepFunctions,
  createdAt: Date,
): Record<string, (body: Body) => unknown> {
  const describeExecution = (arn: unknown) => {
    const executionArn = String(arn);
    // Step Functions keeps no history of Express executions: DescribeExecution refuses their ARNs.
    if (/^arn:aws[\w-]*:states:[^:]*:\d{12}:express:/.test(executionArn))
      throw new AwsJsonError('InvalidArn', "Invalid Arn: 'Resource type not valid in this context: express'");
    if (!/^arn:aws[\w-]*:states:[^:]*:\d{12}:execution:[^:]+:[^:]+$/.test(executionArn))
      throw new AwsJsonError('InvalidArn', `Invalid Arn: '${executionArn}'`);
    const execution = stepFunctions.executions.get(executionArn);
    if (!execution)
      throw new AwsJsonError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return executionView(execution);
  };
  const listExecutions = (body: Body) => {
    const stateMachineArn = stateMachineArnOf(body.stateMachineArn);
    if (stepFunctions.typeOf(stateMachineArn) === 'EXPRESS') throw notForType();
    return {
      executions: [...stepFunctions.executions.values()]
        .filter((execution) => execution.stateMachineArn === stateMachineArn)
        .filter((execution) => !body.statusFilter || execution.status === body.statusFilter)
        .map((execution) => {
          const { input: _i, output: _o, error: _e, cause: _c, ...summary } = executionView(execution);
          return summary;
        }),
    };
  };
  const describeStateMachine = (body: Body) => {
    const machine = stepFunctions.describe(stateMachineArnOf(body.stateMachineArn));
    const logging = machine.logging;
    return {
      stateMachineArn: machine.arn,
      name: machine.arn.split(':').pop(),
      status: 'ACTIVE',
      definition: machine.definitionString,
      roleArn: machine.roleArn,
      type: machine.type,
      creationDate: createdAt.getTime() / 1000,
      loggingConfiguration: {
        level: logging?.Level ?? 'OFF',
        includeExecutionData: logging?.IncludeExecutionData ?? false,
        ...(logging?.Destinations
          ? {
              destinations: logging.Destinations.map((destination) => ({
                cloudWatchLogsLogGroup: { logGroupArn: destination.CloudWatchLogsLogGroup?.LogGroupArn },
              })),
            }
          : {}),
      },
      tracingConfiguration: { enabled: machine.tracingEnabled },
    };
  };
  // Express machines only: runs the execution to its end and answers its outcome (a failure is a 200 too).
  const startSyncExecution = async (body: Body) => {
    const stateMachineArn = stateMachineArnOf(body.stateMachineArn);
    if (stepFunctions.typeOf(stateMachineArn) !== 'EXPRESS') throw notForType();
    const execution = stepFunctions.startExecution(
      stateMachineArn,
      executionInput(body.input),
      executionNameOf(body.name),
    );
    await execution.done;
    const view = executionView(execution);
    return {
      ...view,
      inputDetails: { included: true },
      ...(view.output ? { outputDetails: { included: true } } : {}),
      billingDetails: {
        billedMemoryUsedInMB: 64,
        billedDurationInMilliseconds: Math.max(
          100,
          Math.ceil(((view.stopDate ?? 0) - view.startDate) * 10) * 100,
        ),
      },
    };
  };
  return {
    'AWSStepFunctions.StartExecution': (body) => {
      const execution = stepFunctions.startExecution(
        stateMachineArnOf(body.stateMachineArn),
        executionInput(body.input),
        executionNameOf(body.name),
      );
      return { executionArn: execution.executionArn, startDate: execution.startDate.getTime() / 1000 };
    },
    'AWSStepFunctions.StartSyncExecution': startSyncExecution,
    'AWSStepFunctions.DescribeExecution': (body) => describeExecution(body.executionArn),
    'AWSStepFunctions.DescribeStateMachine': describeStateMachine,
    'AWSStepFunctions.ListExecutions': listExecutions,
    'AWSStepFunctions.ListStateMachines': () => ({
      stateMachines: stepFunctions.stateMachineArns.map((arn) => ({
        stateMachineArn: arn,
        name: arn.split(':').pop(),
        type: stepFunctions.typeOf(arn),
        creationDate: createdAt.getTime() / 1000,
      })),
    }),
  };
}
