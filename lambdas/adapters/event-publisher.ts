import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
// Types only: the schemas (zod) stay out of the bundles that publish (resend-otp shares this module's wiring).
import type { EmittedDetailType, EventDetail } from '../domain/events/index.ts';

/** Publishes this product's own events to its bus. */
export class EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly eventBusName: string,
    private readonly source: string,
  ) {}

  /**
   * Puts one of the product's events, its detail typed by the event contract (`domain/events`); throws
   * when EventBridge reports the entry as failed (PutEvents does not throw then).
   */
  async publish<Type extends EmittedDetailType>(detailType: Type, detail: EventDetail<Type>): Promise<void> {
    // Imported with the first event, not by this module: publishing is a rare path (on-demand-wiring.ts).
    const { PutEventsCommand } = await import('@aws-sdk/client-eventbridge');
    const output = await this.client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: this.eventBusName,
            Source: this.source,
            DetailType: detailType,
            Detail: JSON.stringify(detail),
          },
        ],
      }),
    );
    if ((output.FailedEntryCount ?? 0) > 0) {
      const entry = output.Entries?.[0];
      throw new Error(
        `PutEvents failed: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`.trim(),
      );
    }
  }
}
