import {
  type ClientRequest,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
} from 'node:http';
import { readBody } from './aws-protocol.ts';
import type { SandboxLog } from './log.ts';

/** One injected fault: the next `times` matching requests get this answer instead of reaching the service. */
export interface Fault {
  /** Which requests it applies to, e.g. `DynamoDB_20120810.UpdateItem` or `SendEmail`; all when omitted. */
  readonly operation?: string;
  readonly status: number;
  /** AWS error code, e.g. `Throttling`, `ProvisionedThroughputExceededException`, `ServiceUnavailable`. */
  readonly errorCode: string;
  /** How many requests; `Infinity` until cleared. */
  readonly times: number;
  /**
   * A lost answer: the request reaches the service (its write commits), then the caller gets, instead
   * of the service's answer, this error (`'answer'`) or a connection closed without any answer (`'drop'`).
   * Unset: the request never reaches the service.
   */
  readonly afterForwarding?: 'answer' | 'drop';
}

/** One forwarded request and the answer the service gave, as {@link FaultProxy.record} keeps them. */
export interface Exchange {
  /** e.g. `DynamoDB_20120810.UpdateItem`. */
  readonly operation: string;
  readonly request: string;
  readonly status: number;
  readonly response: string;
}

/** Counts of what passed through a proxy, for the figures tests print. */
export interface ProxyStats {
  requests: number;
  faultsInjected: number;
  /** Requests per operation (e.g. `DynamoDB_20120810.UpdateItem`, `SendEmail`). */
  byOperation: Record<string, number>;
}

/** Where a {@link FaultProxy} forwards, what it speaks, and what it checks first. */
export interface FaultProxyOptions {
  /** The emulator's base URL. */
  readonly target: string;
  /** The service's protocol: AWS JSON (operation from `X-Amz-Target`) or query (from `Action`). */
  readonly protocol: 'json' | 'query';
  /** The service's name in log lines. */
  readonly name: string;
  readonly log: SandboxLog;
  /**
   * Forward the caller's Host header unchanged, for a service that checks the SigV4 signature itself.
   * @default false
   */
  readonly preserveHost?: boolean;
}

/**
 * A loopback proxy in front of an emulator that can answer with AWS errors instead of forwarding, so
 * tests inject faults at the service endpoint the handlers call, not by mocking the handlers.
 */
export class FaultProxy {
  readonly stats: ProxyStats = { requests: 0, faultsInjected: 0, byOperation: {} };
  private faults: { fault: Fault; left: number }[] = [];
  private readonly recorders = new Set<Exchange[]>();
  private holds: { operation: string; arrived: () => void; released: Promise<void> }[] = [];
  readonly server: Server;

  private readonly target: string;
  private readonly protocol: 'json' | 'query';
  private readonly name: string;
  private readonly log: SandboxLog;
  private readonly preserveHost: boolean;

  constructor(options: FaultProxyOptions) {
    this.target = options.target;
    this.protocol = options.protocol;
    this.name = options.name;
    this.log = options.log;
    this.preserveHost = options.preserveHost ?? false;
    this.server = createServer((request, response) => {
      void (async () => {
        const body = await readBody(request);
        this.stats.requests++;
        const operation = this.operationOf(request, body);
        this.stats.byOperation[operation] = (this.stats.byOperation[operation] ?? 0) + 1;
        const held = this.holds.findIndex((hold) => hold.operation === operation);
        if (held >= 0) {
          const [hold] = this.holds.splice(held, 1);
          hold?.arrived();
          await hold?.released;
        }
        const entry = this.faults.find(
          ({ fault, left }) => left > 0 && (!fault.operation || fault.operation === operation),
        );
        if (entry) {
          entry.left--;
          this.stats.faultsInjected++;
          this.log.line(
            'fault',
            `${this.name} ${operation} -> ${entry.fault.afterForwarding ? `forwarded, answer lost (${entry.fault.afterForwarding})` : 'injected'} ${entry.fault.status} ${entry.fault.errorCode}`,
          );
          const { status, errorCode, afterForwarding } = entry.fault;
          if (afterForwarding) {
            await this.forwardAndLoseAnswer(request, body);
            if (afterForwarding === 'drop') {
              response.socket?.destroy();
              return;
            }
          }
          if (this.protocol === 'json') {
            response.writeHead(status, {
              'content-type': 'application/x-amz-json-1.0',
              'x-amzn-errortype': errorCode,
            });
            response.end(
              JSON.stringify({ __type: `com.amazonaws.sandbox#${errorCode}`, message: 'Injected fault' }),
            );
          } else {
            response.writeHead(status, { 'content-type': 'text/xml' });
            response.end(
              `<ErrorResponse><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${errorCode}</Code><Message>Injected fault</Message></Error><RequestId>sandbox</RequestId></ErrorResponse>`,
            );
          }
          return;
        }
        this.forward(request, body, response, operation);
      })().catch(() => {
        response.writeHead(502);
        response.end();
      });
    });
  }

  /** Adds a fault; faults apply in the order added. */
  inject(fault: Fault): void {
    this.faults.push({ fault, left: fault.times });
  }

  /**
   * Keeps every forwarded request and the service's answer until `stop()`, so a test can check what a
   * caller was handed (e.g. that an item returned on a failed condition holds no personal data).
   */
  record(): { readonly exchanges: readonly Exchange[]; stop(): void } {
    const exchanges: Exchange[] = [];
    this.recorders.add(exchanges);
    return { exchanges, stop: () => this.recorders.delete(exchanges) };
  }

  /**
   * Holds the next `operation` request (a slow service, at the exact point a test chooses) until
   * `release()`; `arrived` resolves once that request is being held.
   */
  hold(operation: string): { arrived: Promise<void>; release: () => void } {
    let onArrival = (): void => undefined;
    let release = (): void => undefined;
    const arrived = new Promise<void>((resolve) => {
      onArrival = resolve;
    });
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.holds.push({ operation, arrived: onArrival, released });
    return { arrived, release };
  }

  /** Removes every fault. */
  clear(): void {
    this.faults = [];
  }

  private operationOf(request: IncomingMessage, body: Buffer): string {
    const target = request.headers['x-amz-target'];
    if (typeof target === 'string') return target;
    return new URLSearchParams(body.toString('utf8')).get('Action') ?? `${request.method} ${request.url}`;
  }

  /** The same request to the service (its host header kept or pointed at the service); `onAnswer` gets its answer. */
  private upstream(request: IncomingMessage, onAnswer: (answer: IncomingMessage) => void): ClientRequest {
    const url = new URL(request.url ?? '/', this.target);
    return httpRequest(
      url,
      {
        method: request.method,
        headers: { ...request.headers, host: this.preserveHost ? request.headers.host : url.host },
      },
      onAnswer,
    );
  }

  /** Sends the request to the service and waits for its whole answer, which nobody then sees. */
  private forwardAndLoseAnswer(request: IncomingMessage, body: Buffer): Promise<void> {
    return new Promise((resolve) => {
      const upstream = this.upstream(request, (answer) => {
        answer.resume();
        answer.on('end', () => resolve());
        answer.on('error', () => resolve());
      });
      upstream.on('error', () => resolve());
      upstream.end(body);
    });
  }

  private forward(
    request: IncomingMessage,
    body: Buffer,
    response: import('node:http').ServerResponse,
    operation: string,
  ): void {
    const upstream = this.upstream(request, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      if (this.recorders.size > 0) {
        const recorders = [...this.recorders];
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const exchange: Exchange = {
            operation,
            request: body.toString('utf8'),
            status: answer.statusCode ?? 502,
            response: Buffer.concat(chunks).toString('utf8'),
          };
          for (const exchanges of recorders) exchanges.push(exchange);
        });
      }
      answer.pipe(response);
    });
    upstream.on('error', () => {
      response.writeHead(502);
      response.end();
    });
    upstream.end(body);
  }
}
