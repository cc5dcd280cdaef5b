import { randomBytes } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { AwsJsonError, readBody, sendAwsError, sendJson } from './aws-protocol.ts';
import type { LocalEventBus } from './eventbridge/bus.ts';
import { testEventPatternRequest } from './eventbridge/test-event-pattern.ts';
import { type KmsCall, LocalKms } from './kms.ts';
import type { SandboxLog } from './log.ts';
import type { LocalSms } from './sms.ts';
import type { ExecutionRecord, LocalStepFunctions } from './stepfunctions.ts';
import type { TemplateResolver } from './template.ts';

type Operation = (body: Record<string, unknown>) => unknown;

/** A secret as Secrets Manager holds it. */
interface LocalSecret {
  readonly arn: string;
  readonly name: string;
  readonly value: string;
  readonly created: Date;
}

/** Generates each template secret's value the way GenerateSecretString would (alphanumeric here). */
function generateSecrets(resolver: TemplateResolver): LocalSecret[] {
  return resolver.resourcesOfType('AWS::SecretsManager::Secret').map(([logicalId, resource]) => {
    const spec = (resource.Properties?.GenerateSecretString ?? {}) as { PasswordLength?: number };
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    const bytes = randomBytes(spec.PasswordLength ?? 32);
    const value = [...bytes].map((byte) => alphabet[byte % alphabet.length]).join('');
    return { arn: resolver.arn(logicalId), name: logicalId, value, created: new Date() };
  });
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

/** EventBridge's operations on the bus. */
function eventBridgeOperations(bus: LocalEventBus): Record<string, Operation> {
  return {
    'AWSEvents.PutEvents': (body) => bus.putEvents(body.Entries as never[]),
    'AWSEvents.TestEventPattern': (body) => testEventPatternRequest(body),
    'AWSEvents.ListRules': (body) => bus.listRules(body),
    'AWSEvents.DisableRule': (body) =>
      bus.setRuleState(String(body.Name), {
        busNameOrArn: body.EventBusName as string | undefined,
        enabled: false,
      }),
    'AWSEvents.EnableRule': (body) =>
      bus.setRuleState(String(body.Name), {
        busNameOrArn: body.EventBusName as string | undefined,
        enabled: true,
      }),
  };
}

/** Step Functions' operations on the state machines and their executions. */
function stepFunctionsOperations(stepFunctions: LocalStepFunctions): Record<string, Operation> {
  const describe = (arn: unknown) => {
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
  const listExecutions = (body: Record<string, unknown>) => {
    const stateMachineArn = String(body.stateMachineArn ?? '');
    if (!/^arn:aws[\w-]*:states:[^:]*:\d{12}:stateMachine:[^:]+$/.test(stateMachineArn))
      throw new AwsJsonError('InvalidArn', `Invalid Arn: '${stateMachineArn}'`);
    if (stepFunctions.typeOf(stateMachineArn) === 'EXPRESS')
      throw new AwsJsonError(
        'StateMachineTypeNotSupported',
        'This operation is not supported by this type of state machine',
      );
    return {
      executions: [...stepFunctions.executions.values()]
        .filter((execution) => execution.stateMachineArn === stateMachineArn)
        .filter((execution) => !body.statusFilter || execution.status === body.statusFilter)
        .map((execution) => {
          const {
            input: _input,
            output: _output,
            error: _error,
            cause: _cause,
            ...summary
          } = executionView(execution);
          return summary;
        }),
    };
  };
  return {
    'AWSStepFunctions.StartExecution': (body) => {
      const execution = stepFunctions.startExecution(
        String(body.stateMachineArn),
        executionInput(body.input),
        body.name as string | undefined,
      );
      return { executionArn: execution.executionArn, startDate: execution.startDate.getTime() / 1000 };
    },
    'AWSStepFunctions.DescribeExecution': (body) => describe(body.executionArn),
    'AWSStepFunctions.ListExecutions': (body) => listExecutions(body),
    'AWSStepFunctions.ListStateMachines': () => ({
      stateMachines: stepFunctions.stateMachineArns.map((arn) => ({
        stateMachineArn: arn,
        name: arn.split(':').pop(),
        type: stepFunctions.typeOf(arn),
        creationDate: 0,
      })),
    }),
  };
}

/** Secrets Manager's GetSecretValue on the template's generated secrets. */
function secretsManagerOperations(secrets: readonly LocalSecret[]): Record<string, Operation> {
  return {
    'secretsmanager.GetSecretValue': (body) => {
      const secret = secrets.find(
        (candidate) => candidate.arn === body.SecretId || candidate.name === body.SecretId,
      );
      if (!secret)
        throw new AwsJsonError(
          'ResourceNotFoundException',
          "Secrets Manager can't find the specified secret.",
        );
      return {
        ARN: secret.arn,
        Name: secret.name,
        SecretString: secret.value,
        VersionId: 'sandbox-v1',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: secret.created.getTime() / 1000,
      };
    },
  };
}

/**
 * Request handler of the one loopback endpoint for the AWS JSON-protocol services the handlers and outside callers call: EventBridge
 * (`AWSEvents.*`), Step Functions (`AWSStepFunctions.*`), Secrets Manager (`secretsmanager.*`), KMS
 * (`TrentService.*`, {@link LocalKms}) and End User Messaging SMS (`PinpointSMSVoiceV2.*`), dispatched on
 * X-Amz-Target exactly as the SDK sends them. Other paths go to `fallback`.
 */
export function createAwsRequestHandler(options: {
  resolver: TemplateResolver;
  bus: LocalEventBus;
  stepFunctions: LocalStepFunctions;
  sms: LocalSms;
  log: SandboxLog;
  /** Throws the service's AccessDeniedException when IAM refuses the request (see `sandbox/iam.ts`). */
  authorize?: (
    request: IncomingMessage,
    target: string,
    body: Record<string, unknown>,
    raw: Buffer,
  ) => Promise<void>;
  fallback: (request: IncomingMessage, response: ServerResponse, body: Buffer) => Promise<boolean>;
  /** Operations AWS takes unsigned (a user pool's sign-in), by X-Amz-Target; `authorize` is not asked. */
  unsignedOperations?: Record<string, Operation>;
  /** Decides each KMS call (action, key ARN) for the request that makes it; throw an AwsJsonError to refuse. */
  authorizeKms?: (call: KmsCall, request: IncomingMessage) => void | Promise<void>;
}): RequestListener {
  const { log } = options;
  const kms = new LocalKms(options.resolver);
  // The operation table: X-Amz-Target to the service's operation.
  const operations: Record<string, Operation> = {
    ...eventBridgeOperations(options.bus),
    ...stepFunctionsOperations(options.stepFunctions),
    'PinpointSMSVoiceV2.SendTextMessage': (body) => options.sms.sendTextMessage(body),
    ...secretsManagerOperations(generateSecrets(options.resolver)),
  };

  return (request, response) => {
    void (async () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const contentType = /^(AWSStepFunctions|PinpointSMSVoiceV2)\./.test(target)
        ? 'application/x-amz-json-1.0'
        : 'application/x-amz-json-1.1';
      try {
        const body = await readBody(request);
        if (!target) {
          if (!(await options.fallback(request, response, body)))
            sendJson(response, 404, { message: 'Not Found' });
          return;
        }
        const authorizeKms = options.authorizeKms;
        const unsigned = options.unsignedOperations?.[target];
        const operation: Operation | undefined = LocalKms.targets.includes(target)
          ? (parsed) => kms.handle(target, parsed, authorizeKms && ((call) => authorizeKms(call, request)))
          : (unsigned ?? operations[target]);
        if (!operation)
          throw new AwsJsonError('UnknownOperationException', `The sandbox does not implement ${target}`);
        let parsed: Record<string, unknown>;
        try {
          parsed = JSON.parse(body.toString('utf8') || '{}');
        } catch (error) {
          throw new AwsJsonError('SerializationException', 'Request body is not JSON', { cause: error });
        }
        if (!unsigned) await options.authorize?.(request, target, parsed, body);
        sendJson(response, 200, await operation(parsed), contentType);
      } catch (error) {
        const failure =
          error instanceof AwsJsonError
            ? error
            : new AwsJsonError('InternalFailure', 'Internal error', { statusCode: 500, cause: error });
        if (!(error instanceof AwsJsonError)) log.line('aws', `${target} failed: ${(error as Error).name}`);
        sendAwsError(response, failure, contentType);
      }
    })();
  };
}
