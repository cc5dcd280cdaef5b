/**
 * Measures, in the running sandbox, what each Lambda invocation does itself: its own CPU time, the AWS
 * calls it makes and the log bytes it writes, and which Express execution ran it. All handlers and
 * emulators share one process and their await points interleave, so CPU is charged per synchronous
 * slice to the invocation whose async context runs it (async_hooks `before`/`after`); the emulators
 * answer on their own server contexts, so their work is never charged to a handler. The sandbox is
 * instrumented from outside: its `invoke`, `startExecution` and `putEvents` are wrapped on the instances
 * while the meter runs, and restored by `stop()`.
 */
import { AsyncLocalStorage, createHook } from 'node:async_hooks';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import type { Sandbox } from '../sandbox/app/sandbox.ts';
import type { MeasuredInvocation, ServiceCall } from './aws-model.ts';

/** One invocation as measured. */
export interface InvocationSample extends MeasuredInvocation {
  cpuMs: number;
  /** Synchronous slices charged to it (each costs the meter's own overhead, removed from `cpuMs`). */
  slices: number;
  /** Sandbox wall time from invoke to result (what the sandbox's own stats count). */
  wallMs: number;
  /** Bytes it wrote to stdout (its log lines, which Lambda sends to CloudWatch Logs). */
  logBytes: number;
  readonly calls: ServiceCall[];
}

/** One Step Functions execution as measured: the invocations its Task states made, its PutEvents tasks. */
export interface ExecutionSample {
  readonly stateMachineArn: string;
  readonly express: boolean;
  executionArn: string;
  readonly tasks: InvocationSample[];
  putEvents: number;
}

const CHANNEL = 'http.client.request.start';

/** `Credential=<key>/<date>/<region>/<service>/aws4_request` in a SigV4 Authorization header. */
const SIGV4_SERVICE = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\/aws4_request/;

/** The SigV4 service and the operation (JSON `X-Amz-Target`, else the method and path) of a request. */
export function describeRequest(
  authorization: string | undefined,
  target: string | undefined,
  method: string,
  path: string,
): { service: string; operation: string } {
  const service = SIGV4_SERVICE.exec(authorization ?? '')?.[1] ?? 'unsigned';
  return { service, operation: target?.split('.').pop() ?? `${method} ${path.split('?')[0]}` };
}

/** Starts measuring every invocation in `sandbox` until `stop()`. */
export class LambdaMeter {
  readonly invocations: InvocationSample[] = [];
  readonly executions: ExecutionSample[] = [];
  /** Measured cost of one slice of the meter's own bookkeeping (ms), removed from every sample. */
  readonly overheadPerSliceMs: number;

  private readonly current = new AsyncLocalStorage<InvocationSample>();
  private readonly execution = new AsyncLocalStorage<ExecutionSample>();
  private readonly stack: (InvocationSample | undefined)[] = [];
  private lastWall = performance.now();
  private lastCpu = cpuNow();
  private readonly hook = createHook({
    before: () => this.enter(this.current.getStore()),
    after: () => this.leave(),
  });
  private readonly onRequest = (message: unknown) =>
    this.request((message as { request: ClientRequest }).request);
  private readonly restore: (() => void)[] = [];

  private constructor(overheadPerSliceMs: number) {
    this.overheadPerSliceMs = overheadPerSliceMs;
  }

  /** Calibrates the meter's overhead, then instruments `sandbox`. */
  static async start(sandbox: Sandbox): Promise<LambdaMeter> {
    const meter = new LambdaMeter(await LambdaMeter.calibrate());
    meter.instrument(sandbox);
    return meter;
  }

  /** Stops measuring and puts the sandbox's methods back. */
  stop(): void {
    this.hook.disable();
    unsubscribe(CHANNEL, this.onRequest);
    for (const undo of this.restore.splice(0)) undo();
    for (const sample of this.invocations)
      sample.cpuMs = Math.max(0, sample.cpuMs - sample.slices * this.overheadPerSliceMs);
  }

  /**
   * The meter's own cost per slice: an await loop timed plainly, then charged through the meter; the
   * difference per slice is bookkeeping that real AWS would not run (median of three).
   */
  private static async calibrate(): Promise<number> {
    const loop = async (count: number) => {
      for (let index = 0; index < count; index++) await Promise.resolve(index);
    };
    const count = 20_000;
    const runs: number[] = [];
    for (let run = 0; run < 3; run++) {
      const [wall, cpu] = [performance.now(), cpuNow()];
      await loop(count);
      const plainMs = Math.min(performance.now() - wall, cpuNow() - cpu);
      const meter = new LambdaMeter(0);
      const sample = newSample('calibration', 0);
      meter.hook.enable();
      await meter.measure(sample, () => loop(count));
      meter.hook.disable();
      runs.push(Math.max(0, (sample.cpuMs - plainMs) / sample.slices));
    }
    return runs.sort((a, b) => a - b)[1] as number;
  }

  private instrument(sandbox: Sandbox): void {
    const tasksOf = stateMachineTasks(sandbox);
    const memory = new Map<string, number>();
    const memoryOf = (logicalId: string): number => {
      let megabytes = memory.get(logicalId);
      if (megabytes === undefined) {
        const properties = sandbox.resolver.resource(logicalId).Properties ?? {};
        // Lambda's default when the template sets none.
        megabytes = Number(sandbox.resolver.resolve(properties.MemorySize ?? 128));
        memory.set(logicalId, megabytes);
      }
      return megabytes;
    };

    const { functions, stepFunctions, bus } = sandbox;
    const invoke = functions.invoke;
    this.patch(functions, 'invoke', (logicalId: string, event: unknown) => {
      const sample = newSample(logicalId, memoryOf(logicalId));
      const execution = this.execution.getStore();
      if (execution && tasksOf.get(execution.stateMachineArn)?.has(logicalId)) execution.tasks.push(sample);
      const started = performance.now();
      // What the handler starts must not inherit the execution: its own calls are not the workflow's.
      const result = this.execution.exit(() =>
        this.measure(sample, () => invoke.call(functions, logicalId, event)),
      );
      return result.finally(() => {
        sample.wallMs = performance.now() - started;
        this.invocations.push(sample);
      });
    });

    const startExecution = stepFunctions.startExecution;
    this.patch(stepFunctions, 'startExecution', (stateMachineArn: string, input: unknown, name?: string) => {
      const execution: ExecutionSample = {
        stateMachineArn,
        express: stepFunctions.stateMachineArns.includes(stateMachineArn)
          ? stepFunctions.typeOf(stateMachineArn) === 'EXPRESS'
          : false,
        executionArn: '',
        tasks: [],
        putEvents: 0,
      };
      const record = this.execution.run(execution, () =>
        startExecution.call(stepFunctions, stateMachineArn, input, name),
      );
      execution.executionArn = record.executionArn;
      this.executions.push(execution);
      return record;
    });

    const putEvents = bus.putEvents;
    this.patch(bus, 'putEvents', (entries: Parameters<typeof bus.putEvents>[0]) => {
      // Called in an execution's context only by its `events:putEvents` task (handlers call over HTTP).
      const execution = this.execution.getStore();
      if (execution) execution.putEvents++;
      return this.execution.exit(() => putEvents.call(bus, entries));
    });

    const write = process.stdout.write;
    this.patch(process.stdout, 'write', ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const sample = this.current.getStore();
      if (sample) sample.logBytes += Buffer.byteLength(chunk);
      return (write as (...args: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
    }) as typeof process.stdout.write);

    subscribe(CHANNEL, this.onRequest);
    this.hook.enable();
  }

  /** Replaces `target[key]` until `stop()`, then puts back exactly what was there (own or inherited). */
  private patch<T extends object, K extends keyof T>(target: T, key: K, replacement: T[K]): void {
    const own = Object.hasOwn(target, key);
    const original = target[key];
    target[key] = replacement;
    this.restore.push(() => {
      if (own) target[key] = original;
      else Reflect.deleteProperty(target, key);
    });
  }

  /** Runs `task` as `sample`'s own code: its synchronous part here, its continuations through the hook. */
  private measure<T>(sample: InvocationSample, task: () => Promise<T>): Promise<T> {
    this.enter(sample);
    try {
      return this.current.run(sample, task);
    } finally {
      this.leave();
    }
  }

  /** Charges the slice that just ended to whoever ran it, then starts one for `next`. */
  private enter(next: InvocationSample | undefined): void {
    this.charge();
    this.stack.push(next);
  }

  private leave(): void {
    this.charge();
    this.stack.pop();
  }

  /**
   * Charges the time since the last switch to the running invocation: the smaller of wall and process
   * CPU time, both upper bounds of this thread's CPU (wall also counts being preempted, process CPU also
   * counts other threads: GC, the thread pool).
   */
  private charge(): void {
    const wall = performance.now();
    const cpu = cpuNow();
    const running = this.stack[this.stack.length - 1];
    if (running) {
      running.cpuMs += Math.min(wall - this.lastWall, cpu - this.lastCpu);
      running.slices++;
    }
    this.lastWall = wall;
    this.lastCpu = cpu;
  }

  private request(request: ClientRequest): void {
    const sample = this.current.getStore();
    if (!sample) return;
    const header = (name: string) => {
      const value = request.getHeader(name);
      return value === undefined ? undefined : String(value);
    };
    const { service, operation } = describeRequest(
      header('authorization'),
      header('x-amz-target'),
      request.method,
      request.path,
    );
    const startMs = performance.now();
    request.once('close', () => sample.calls.push({ service, operation, startMs, endMs: performance.now() }));
  }
}

/** This process's CPU time in ms (user + system, all threads). */
function cpuNow(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

function newSample(functionId: string, memoryMb: number): InvocationSample {
  return { functionId, memoryMb, cpuMs: 0, slices: 0, wallMs: 0, logBytes: 0, calls: [] };
}

/** The functions each state machine's definition calls as Task states, by state machine ARN. */
function stateMachineTasks(sandbox: Sandbox): Map<string, Set<string>> {
  const functionIds = sandbox.resolver.resourcesOfType('AWS::Lambda::Function').map(([id]) => id);
  return new Map(
    sandbox.resolver.resourcesOfType('AWS::StepFunctions::StateMachine').map(([id, resource]) => {
      const definition = JSON.stringify(resource.Properties?.DefinitionString ?? '');
      return [
        sandbox.resolver.arn(id),
        new Set(functionIds.filter((functionId) => definition.includes(`"${functionId}"`))),
      ];
    }),
  );
}
