import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as sesModule from 'aws-ses-v2-local';
import type { LocalEventBus } from './eventbridge/bus.ts';
import { InFlight } from './in-flight.ts';
import { guardSes } from './ses.ts';
import { SesEventPublishing } from './ses-simulator.ts';
import type { TemplateResolver } from './template.ts';

/** SES on loopback: aws-ses-v2-local behind SES's checks, and the events it publishes to the bus. */
export interface LocalSes {
  readonly server: Server;
  readonly endpoint: string;
  /** Publishes each accepted message's events (mailbox simulator fates) to the bus its configuration set names. */
  publishEventsTo(bus: LocalEventBus): void;
  /** Waits until every event published so far is on the bus. */
  settled(): Promise<void>;
  /** Whether an event is still waiting to be published. */
  readonly pending: boolean;
}

// CommonJS default export: reached through `.default` under some loaders.
type StartSesServer = (config: { host: string; port: number }) => Promise<Server>;

/** Starts aws-ses-v2-local on `port` behind SES's own checks (`guardSes`). */
export async function startSes(options: {
  readonly port: number;
  readonly resolver: TemplateResolver;
}): Promise<LocalSes> {
  const { port, resolver } = options;
  const sesExport = sesModule.default as unknown as StartSesServer | { default: StartSesServer };
  const startServer = typeof sesExport === 'function' ? sesExport : sesExport.default;
  const server = await startServer({ host: '127.0.0.1', port }).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'EADDRINUSE'
      ? new Error(`Port ${port} for SES is already in use: stop what holds it or set another port.`, {
          cause: error,
        })
      : error;
  });
  const front = guardSes(server, resolver);
  const pending = new InFlight();
  return {
    server,
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    publishEventsTo: (bus) => {
      const sesEvents = new SesEventPublishing(resolver);
      front.onAccepted((message) => {
        for (const { delayMs, event } of sesEvents.eventsFor(message)) {
          const publishing = new Promise<void>((resolve) => setTimeout(resolve, delayMs)).then(() => {
            bus.publishServiceEvent({
              Source: event.source,
              DetailType: event.detailType,
              Detail: JSON.stringify(event.detail),
              Resources: event.resources,
              EventBusName: event.eventBusName,
            });
          });
          pending.add(publishing);
        }
      });
    },
    settled: async () => {
      await pending.settled();
    },
    get pending() {
      return pending.busy;
    },
  };
}
