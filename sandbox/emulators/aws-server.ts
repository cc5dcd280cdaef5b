import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { AwsJsonError, readBody, sendAwsError, sendJson } from './aws-protocol.ts';
import type { LocalDynamoDbStreams } from './dynamodb-streams.ts';
import { dynamodbStreamsOperations } from './dynamodb-streams-api.ts';
import type { LocalEventBus } from './eventbridge/bus.ts';
import { testEventPatternRequest } from './eventbridge/test-event-pattern.ts';
import { type KmsCall, LocalKms } from './kms.ts';
import type { SandboxLog } from './log.ts';
import { LocalSecretsManager } from './secretsmanager.ts';
import type { LocalSms } from './sms.ts';
import type { LocalStepFunctions } from './stepfunctions.ts';
import { stepFunctionsOperations } from './stepfunctions-operations.ts';
import type { TemplateResolver } from './template.ts';

/** One operation: its parsed JSON body in, its answer out (or a thrown {@link AwsJsonError}). */
export type Operation = (body: Record<string, unknown>) => unknown;

/** EventBridge's operations on the buses and rules. */
function eventBridgeOperations(bus: LocalEventBus): Record<string, Operation> {
  return {
    'AWSEvents.PutEvents': (body) => bus.putEvents(body.Entries as never[]),
    'AWSEvents.TestEventPattern': (body) => testEventPatternRequest(body),
    'AWSEvents.ListRules': (body) => bus.listRules(body),
    'AWSEvents.DescribeRule': (body) => bus.describeRule(body),
    'AWSEvents.DescribeEventBus': (body) => bus.describeEventBus(body),
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

/** What the operation table answers from. */
export interface AwsOperationServices {
  readonly resolver: TemplateResolver;
  readonly bus: LocalEventBus;
  readonly stepFunctions: LocalStepFunctions;
  readonly sms: LocalSms;
  /** When the template's resources came to be (creation dates the services report). */
  readonly createdAt?: Date;
  /** The tables' streams, read through the DynamoDB Streams API; none when omitted. */
  readonly streams?: LocalDynamoDbStreams;
  /** Decides each KMS call (action, key ARN) for the request that makes it; throw an AwsJsonError to refuse. */
  readonly authorizeKms?: (call: KmsCall) => void | Promise<void>;
}

/**
 * The AWS endpoint's operation table, by X-Amz-Target exactly as the SDK sends it: EventBridge
 * (`AWSEvents.*`), Step Functions (`AWSStepFunctions.*`), Secrets Manager (`secretsmanager.*`), KMS
 * (`TrentService.*`, {@link LocalKms}), End User Messaging SMS (`PinpointSMSVoiceV2.*`) and DynamoDB
 * Streams (`DynamoDBStreams_20120810.*`).
 */
export function awsOperations(services: AwsOperationServices): Record<string, Operation> {
  const createdAt = services.createdAt ?? new Date();
  const kms = new LocalKms(services.resolver, createdAt);
  const authorizeKms = services.authorizeKms;
  return {
    ...eventBridgeOperations(services.bus),
    ...stepFunctionsOperations(services.stepFunctions, createdAt),
    'PinpointSMSVoiceV2.SendTextMessage': (body) => services.sms.sendTextMessage(body),
    ...new LocalSecretsManager(services.resolver, createdAt).operations(),
    ...(services.streams ? dynamodbStreamsOperations(services.streams) : {}),
    ...Object.fromEntries(
      LocalKms.targets.map((target): [string, Operation] => [
        target,
        (body) => kms.handle(target, body, authorizeKms),
      ]),
    ),
  };
}

/** The JSON protocol version a target's service speaks (`1.0` or `1.1`). */
export function jsonContentType(target: string): string {
  return /^(AWSStepFunctions|PinpointSMSVoiceV2|DynamoDB_20120810|DynamoDBStreams_20120810)\./.test(target)
    ? 'application/x-amz-json-1.0'
    : 'application/x-amz-json-1.1';
}

/**
 * Runs one operation on a body and answers it: 200 with its result, the service's error for an
 * {@link AwsJsonError}, `SerializationException` for a body that is not JSON, `InternalFailure` (logged)
 * for anything else.
 */
export async function answerOperation(
  response: ServerResponse,
  target: string,
  run: (parsed: Record<string, unknown>) => unknown,
  body: Buffer,
  log: SandboxLog,
): Promise<void> {
  const contentType = jsonContentType(target);
  try {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8') || '{}');
    } catch (error) {
      throw new AwsJsonError('SerializationException', 'Request body is not JSON', { cause: error });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new AwsJsonError('SerializationException', 'Request body is not a JSON object');
    sendJson(response, 200, await run(parsed as Record<string, unknown>), contentType);
  } catch (error) {
    const failure =
      error instanceof AwsJsonError
        ? error
        : new AwsJsonError('InternalFailure', 'Internal error', { statusCode: 500, cause: error });
    if (!(error instanceof AwsJsonError)) log.line('aws', `${target} failed: ${(error as Error).name}`);
    sendAwsError(response, failure, contentType);
  }
}

/**
 * A bare JSON-protocol listener over {@link awsOperations}, with no signature or IAM check (the AWS
 * endpoint, `aws-endpoint.ts`, adds them): for tests of one service. Requests without X-Amz-Target go
 * to `fallback`.
 */
export function createAwsRequestHandler(
  options: AwsOperationServices & {
    readonly log: SandboxLog;
    readonly fallback: (request: IncomingMessage, response: ServerResponse, body: Buffer) => Promise<boolean>;
  },
): RequestListener {
  const operations = awsOperations(options);
  return (request, response) => {
    void (async () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const body = await readBody(request);
      if (!target) {
        if (!(await options.fallback(request, response, body)))
          sendJson(response, 404, { message: 'Not Found' });
        return;
      }
      const operation = operations[target];
      await answerOperation(
        response,
        target,
        operation ??
          (() => {
            throw new AwsJsonError('UnknownOperationException', `The sandbox does not implement ${target}`);
          }),
        body,
        options.log,
      );
    })();
  };
}
