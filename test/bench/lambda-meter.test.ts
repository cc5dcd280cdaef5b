import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRequest, type InvocationSample, LambdaMeter } from '../../bench/lambda-meter.ts';
import type { Sandbox } from '../../sandbox/app/sandbox.ts';

/** CPU work by iterations, so the same call does the same work whatever the machine's speed or load. */
function work(iterations: number): number {
  let x = 0;
  for (let index = 0; index < iterations; index++) x = (x * 31 + index) % 1_000_003;
  return x;
}

const HANDLER_WORK = 2_000_000;
/** The emulator's answer costs ten times the busy handler's own work. */
const EMULATOR_WORK = 10 * HANDLER_WORK;

let server: Server;
let port: number;

/** A signed KMS call to the fake emulator, as an SDK client makes it. */
const callKms = () =>
  new Promise<void>((resolve, reject) => {
    const outgoing = request(
      {
        port,
        method: 'POST',
        path: '/',
        headers: {
          authorization:
            'AWS4-HMAC-SHA256 Credential=AKIA/20261206/eu-central-1/kms/aws4_request, SignedHeaders=host, Signature=0',
          'x-amz-target': 'TrentService.GenerateMac',
        },
      },
      (response) => {
        response.resume();
        response.on('end', resolve);
      },
    );
    outgoing.on('error', reject);
    outgoing.end('{}');
  });

const handlers: Record<string, () => Promise<unknown>> = {
  Caller: async () => callKms(),
  Busy: async () => work(HANDLER_WORK),
  Logger: async () => process.stdout.write('{"level":"INFO"}\n'),
  Task: async () => work(1_000),
  RuleTarget: async () => work(1_000),
};

/** The parts of the sandbox the meter instruments, with the same call shapes (methods on prototypes). */
class FakeFunctions {
  async invoke(logicalId: string, _event: unknown): Promise<unknown> {
    await Promise.resolve();
    return (handlers[logicalId] as () => Promise<unknown>)();
  }
}
class FakeBus {
  constructor(private readonly functions: FakeFunctions) {}
  putEvents(_entries: readonly unknown[]) {
    // A rule on the bus invokes its target with the event.
    void this.functions.invoke('RuleTarget', {});
    return { FailedEntryCount: 0, Entries: [] };
  }
}
class FakeStepFunctions {
  readonly stateMachineArns = ['arn:aws:states:eu-central-1:000000000000:stateMachine:Machine'];
  done: Promise<void> = Promise.resolve();
  constructor(
    private readonly functions: FakeFunctions,
    private readonly bus: FakeBus,
  ) {}
  typeOf() {
    return 'EXPRESS' as const;
  }
  startExecution(stateMachineArn: string, input: unknown) {
    // Task state, then an events:putEvents task, as the issuing workflow runs them.
    this.done = (async () => {
      await this.functions.invoke('Task', input);
      this.bus.putEvents([{}]);
    })();
    return { executionArn: `${stateMachineArn.replace(':stateMachine:', ':express:')}:run` };
  }
}

function fakeSandbox() {
  const functions = new FakeFunctions();
  const bus = new FakeBus(functions);
  const stepFunctions = new FakeStepFunctions(functions, bus);
  const functionIds = Object.keys(handlers);
  const resolver = {
    resourcesOfType: (type: string) =>
      type === 'AWS::Lambda::Function'
        ? functionIds.map((id) => [id, { Type: type }])
        : [
            [
              'Machine',
              {
                Type: type,
                Properties: {
                  DefinitionString: {
                    'Fn::Join': ['', ['{"Resource":"', { 'Fn::GetAtt': ['Task', 'Arn'] }, '"}']],
                  },
                },
              },
            ],
          ],
    arn: () => stepFunctions.stateMachineArns[0],
    resource: () => ({ Type: 'AWS::Lambda::Function', Properties: { MemorySize: 256 } }),
    resolve: (value: unknown) => value,
  };
  return {
    sandbox: { functions, bus, stepFunctions, resolver } as unknown as Sandbox,
    functions,
    bus,
    stepFunctions,
  };
}

const sampleOf = (meter: LambdaMeter, functionId: string) =>
  meter.invocations.find((sample) => sample.functionId === functionId) as InvocationSample;

beforeAll(async () => {
  server = createServer((_request, response) => {
    work(EMULATOR_WORK);
    response.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('LambdaMeter', () => {
  it("charges a handler its own CPU, never the emulator's work it waits on", async () => {
    // Prepare
    const { sandbox, functions } = fakeSandbox();
    // Warm, as the bench's warm-up parcels are: the first request also loads and compiles the HTTP client.
    await callKms();
    const meter = await LambdaMeter.start(sandbox);

    // Act: both at once, so their slices interleave
    await Promise.all([functions.invoke('Caller', {}), functions.invoke('Busy', {})]);
    meter.stop();

    // Assess: the caller waited on ten times the busy handler's work, yet is charged less than it
    const caller = sampleOf(meter, 'Caller');
    const busy = sampleOf(meter, 'Busy');
    expect(busy.cpuMs).toBeGreaterThan(0);
    expect(caller.cpuMs).toBeLessThan(busy.cpuMs);
  });

  it('records each AWS call with its SigV4 service and operation, on the invocation that made it', async () => {
    // Prepare
    const { sandbox, functions } = fakeSandbox();
    const meter = await LambdaMeter.start(sandbox);

    // Act
    await Promise.all([functions.invoke('Caller', {}), functions.invoke('Busy', {})]);
    meter.stop();

    // Assess
    expect(sampleOf(meter, 'Caller').calls.map(({ service, operation }) => ({ service, operation }))).toEqual(
      [{ service: 'kms', operation: 'GenerateMac' }],
    );
    expect(sampleOf(meter, 'Busy').calls).toEqual([]);
    expect(sampleOf(meter, 'Caller').memoryMb).toBe(256);
  });

  it("links a workflow's Task invocations and PutEvents tasks to its execution, not what the event sets off", async () => {
    // Prepare
    const { sandbox, stepFunctions } = fakeSandbox();
    const meter = await LambdaMeter.start(sandbox);

    // Act
    stepFunctions.startExecution(stepFunctions.stateMachineArns[0] as string, {});
    await stepFunctions.done;
    await new Promise((resolve) => setImmediate(resolve));
    meter.stop();

    // Assess
    const [execution] = meter.executions;
    expect(meter.executions).toHaveLength(1);
    expect(execution?.express).toBe(true);
    expect(execution?.tasks.map((task) => task.functionId)).toEqual(['Task']);
    expect(execution?.putEvents).toBe(1);
    expect(meter.invocations.map((sample) => sample.functionId).sort()).toEqual(['RuleTarget', 'Task']);
  });

  it('counts the bytes an invocation logs to stdout (what CloudWatch Logs ingests)', async () => {
    // Prepare
    const { sandbox, functions } = fakeSandbox();
    const meter = await LambdaMeter.start(sandbox);

    // Act
    await functions.invoke('Logger', {});
    meter.stop();

    // Assess
    expect(sampleOf(meter, 'Logger').logBytes).toBe(Buffer.byteLength('{"level":"INFO"}\n'));
  });

  it("puts the sandbox's methods and stdout back when stopped", async () => {
    // Prepare
    const { sandbox, functions, bus, stepFunctions } = fakeSandbox();
    const write = process.stdout.write;
    const meter = await LambdaMeter.start(sandbox);

    // Act
    meter.stop();

    // Assess
    expect(Object.hasOwn(functions, 'invoke')).toBe(false);
    expect(Object.hasOwn(bus, 'putEvents')).toBe(false);
    expect(Object.hasOwn(stepFunctions, 'startExecution')).toBe(false);
    expect(process.stdout.write).toBe(write);
  });
});

describe('describeRequest', () => {
  it('names the SigV4 service and the JSON target operation', () => {
    // Prepare, Act
    const described = describeRequest(
      'AWS4-HMAC-SHA256 Credential=AKIA/20261206/eu-central-1/dynamodb/aws4_request, SignedHeaders=host',
      'DynamoDB_20120810.UpdateItem',
      'POST',
      '/',
    );

    // Assess
    expect(described).toEqual({ service: 'dynamodb', operation: 'UpdateItem' });
  });

  it('marks an unsigned request, so the model refuses to price it rather than guess', () => {
    // Prepare, Act
    const described = describeRequest(undefined, undefined, 'GET', '/store?since=1');

    // Assess
    expect(described).toEqual({ service: 'unsigned', operation: 'GET /store' });
  });
});
