import { CfnRegistry, CfnSchema } from 'aws-cdk-lib/aws-eventschemas';
import { Construct } from 'constructs';
import { DEFAULT_EVENT_SOURCES } from '../lambdas/domain/events/detail-types.ts';
import { EVENTS, type EventDefinition } from '../lambdas/domain/events/index.ts';
import { eventJsonSchema } from '../lambdas/domain/events/json-schema.ts';
import { stackScopedName } from './physical-names.ts';

/** Props for {@link EventSchemaRegistry}. */
export interface EventSchemaRegistryProps {
  /**
   * `source` of the carriers' events (context `secureDelivery:eventSource`).
   * @default 'carrier.dispatch'
   */
  readonly carrierSource?: string;
  /**
   * `source` of the events this product emits.
   * @default 'secure-delivery'
   */
  readonly ownSource?: string;
  /**
   * Name of the registry (unique in the account and region).
   * @default `<stack name>[-<path of the construct holding it>]-events`, e.g. `SecureDelivery-events`
   */
  readonly registryName?: string;
  /**
   * The events to publish, one schema each.
   * @default every event of the contract (`EVENTS` in lambdas/domain/events)
   */
  readonly events?: readonly EventDefinition[];
}

/**
 * The event contract in an EventBridge Schema Registry: one JSON Schema (draft 4) per event, the same
 * document as `docs/events/` with the stack's sources, so a carrier's developer finds it in the console
 * (Schemas) and downloads code bindings.
 */
export class EventSchemaRegistry extends Construct {
  /** The registry. */
  public readonly registry: CfnRegistry;
  /** One schema per event, by detail-type. */
  public readonly schemas: ReadonlyMap<string, CfnSchema>;

  constructor(scope: Construct, id: string, props: EventSchemaRegistryProps = {}) {
    super(scope, id);
    const sources = {
      ...DEFAULT_EVENT_SOURCES,
      carrier: props.carrierSource ?? DEFAULT_EVENT_SOURCES.carrier,
      product: props.ownSource ?? DEFAULT_EVENT_SOURCES.product,
    };
    this.registry = new CfnRegistry(this, 'Registry', {
      // Named after the stack and the construct holding it: two SecureDelivery in one stack name two registries.
      registryName: props.registryName ?? stackScopedName(scope, 'events', { maxLength: 64 }),
      description: 'Secure Delivery: the events carriers publish to its bus and the events it emits',
    });
    const schemas = new Map<string, CfnSchema>();
    for (const event of props.events ?? EVENTS) {
      const schema = new CfnSchema(this, event.detailType.replace(/ /g, ''), {
        registryName: this.registry.attrRegistryName,
        // As AWS names its own event schemas (`aws.ses@EmailBounced`): source, then detail-type.
        schemaName: `${sources[event.publisher]}@${event.detailType.replace(/ /g, '')}`,
        type: 'JSONSchemaDraft4',
        description: event.description,
        content: JSON.stringify(eventJsonSchema(event, sources)),
      });
      schemas.set(event.detailType, schema);
    }
    this.schemas = schemas;
  }
}
