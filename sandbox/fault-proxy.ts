import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
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
}

/** An answer a proxy gives instead of forwarding (e.g. IAM's AccessDenied). */
export interface ProxyAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Counts of what passed through a proxy, for the figures tests print. */
export interface ProxyStats {
  requests: number;
  faultsInjected: number;
  /** Requests per operation (e.g. `DynamoDB_20120810.UpdateItem`, `SendEmail`). */
  byOperation: Record<string, number>;
}

/**
 * A loopback proxy in front of an emulator that can answer with AWS errors instead of forwarding, so
 * tests inject faults at the service endpoint the handlers call, not by mocking the handlers.
 */
export class FaultProxy {
  readonly stats: ProxyStats = { requests: 0, faultsInjected: 0, byOperation: {} };
  private faults: { fault: Fault; left: number }[] = [];
  readonly server: Server;

  constructor(
    private readonly target: string,
    private readonly protocol: 'json' | 'query',
    private readonly name: string,
    private readonly log: SandboxLog,
    /** Answers instead of the service when IAM refuses the request; undefined lets it through. */
    private readonly authorize?: (
      request: IncomingMessage,
      operation: string,
      body: Buffer,
    ) => Promise<ProxyAnswer | undefined>,
  ) {
    this.server = createServer((request, response) => {
      void (async () => {
        const body = await readBody(request);
        this.stats.requests++;
        const operation = this.operationOf(request, body);
        this.stats.byOperation[operation] = (this.stats.byOperation[operation] ?? 0) + 1;
        const refusal = await this.authorize?.(request, operation, body);
        if (refusal) {
          response.writeHead(refusal.status, refusal.headers);
          response.end(refusal.body);
          return;
        }
        const entry = this.faults.find(
          ({ fault, left }) => left > 0 && (!fault.operation || fault.operation === operation),
        );
        if (entry) {
          entry.left--;
          this.stats.faultsInjected++;
          this.log.line(
            'fault',
            `${this.name} ${operation} -> injected ${entry.fault.status} ${entry.fault.errorCode}`,
          );
          const { status, errorCode } = entry.fault;
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
        this.forward(request, body, response);
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

  /** Removes every fault. */
  clear(): void {
    this.faults = [];
  }

  private operationOf(request: IncomingMessage, body: Buffer): string {
    const target = request.headers['x-amz-target'];
    if (typeof target === 'string') return target;
    return new URLSearchParams(body.toString('utf8')).get('Action') ?? `${request.method} ${request.url}`;
  }

  private forward(
    request: IncomingMessage,
    body: Buffer,
    response: import('node:http').ServerResponse,
  ): void {
    const url = new URL(request.url ?? '/', this.target);
    const upstream = httpRequest(
      url,
      { method: request.method, headers: { ...request.headers, host: url.host } },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => {
      response.writeHead(502);
      response.end();
    });
    upstream.end(body);
  }
}
