// Every event on the product's bus, consumed and emitted: the list the JSON Schema generator, the schema
// registry and the docs check iterate. Handlers import the event's own module, not this index (every
// schema loads with it). SES's events are AWS's contract (AWS publishes them in its `aws.events`
// registry); their detail-types are in `detail-types.ts`.
import type * as z from 'zod/mini';
import {
  DeliveryAttemptFailedDetailExample,
  DeliveryAttemptFailedDetailSchema,
  ParcelClosedDetailExample,
  ParcelClosedDetailSchema,
  ParcelOutForDeliveryDetailExample,
  ParcelOutForDeliveryDetailSchema,
  ParcelShippedDetailExample,
  ParcelShippedDetailSchema,
} from './carrier-events.ts';
import {
  OtpEmailFailedDetailExample,
  OtpEmailFailedDetailSchema,
  OtpIssuedDetailExample,
  OtpIssuedDetailSchema,
  OtpLockedDetailExample,
  OtpLockedDetailSchema,
  OtpNotRequiredDetailExample,
  OtpNotRequiredDetailSchema,
  OtpReissuedDetailExample,
  OtpReissuedDetailSchema,
  OtpRevokedDetailExample,
  OtpRevokedDetailSchema,
  OtpUndeliverableDetailExample,
  OtpUndeliverableDetailSchema,
} from './code-events.ts';
import { DetailType, type EventPublisherRole } from './detail-types.ts';
import { HandoverVerifiedDetailExample, HandoverVerifiedDetailSchema } from './handover-events.ts';
import { ParcelEventRefusedDetailExample, ParcelEventRefusedDetailSchema } from './refusal-events.ts';

export * from './carrier-events.ts';
export * from './code-events.ts';
export * from './detail-types.ts';
export * from './handover-events.ts';
export * from './refusal-events.ts';

/** One event of the contract: its detail-type, who publishes it, and its detail's schema. */
export interface EventDefinition<
  Type extends string = string,
  Publisher extends EventPublisherRole = EventPublisherRole,
  Schema extends z.ZodMiniType = z.ZodMiniType,
> {
  readonly detailType: Type;
  /** Whose `source` it carries: a carrier's (consumed) or this product's (emitted). */
  readonly publisher: Publisher;
  readonly schema: Schema;
  /** What the event means, for the generated schema and the registry. */
  readonly description: string;
  /** One valid detail, defined beside its schema: the generated schema's `examples`, the docs and tests. */
  readonly example: z.input<Schema>;
}

const event = <Type extends string, Publisher extends EventPublisherRole, Schema extends z.ZodMiniType>(
  detailType: Type,
  publisher: Publisher,
  schema: Schema,
  description: string,
  example: z.input<Schema>,
): EventDefinition<Type, Publisher, Schema> => ({ detailType, publisher, schema, description, example });

/** Every event on the bus, in the order docs/events.md lists them. */
export const EVENTS = [
  event(
    DetailType.ParcelShipped,
    'carrier',
    ParcelShippedDetailSchema,
    'A parcel left the depot: starts the issuing workflow.',
    ParcelShippedDetailExample,
  ),
  event(
    DetailType.ParcelOutForDelivery,
    'carrier',
    ParcelOutForDeliveryDetailSchema,
    "Binds the parcel's open code to the driver carrying it.",
    ParcelOutForDeliveryDetailExample,
  ),
  event(
    DetailType.DeliveryAttemptFailed,
    'carrier',
    DeliveryAttemptFailedDetailSchema,
    'A delivery attempt failed: a fresh code for the next attempt date, or the code is revoked.',
    DeliveryAttemptFailedDetailExample,
  ),
  event(
    DetailType.ParcelReturned,
    'carrier',
    ParcelClosedDetailSchema,
    'The parcel goes back: its code is revoked and the parcel closed.',
    ParcelClosedDetailExample,
  ),
  event(
    DetailType.ShipmentCancelled,
    'carrier',
    ParcelClosedDetailSchema,
    'The shipment is cancelled: its code is revoked and the parcel closed.',
    ParcelClosedDetailExample,
  ),
  event(
    DetailType.OtpIssued,
    'product',
    OtpIssuedDetailSchema,
    "The parcel's first code was emailed to the recipient.",
    OtpIssuedDetailExample,
  ),
  event(
    DetailType.OtpReissued,
    'product',
    OtpReissuedDetailSchema,
    'A fresh code for the next delivery attempt was emailed.',
    OtpReissuedDetailExample,
  ),
  event(
    DetailType.OtpRevoked,
    'product',
    OtpRevokedDetailSchema,
    "The parcel's code was revoked.",
    OtpRevokedDetailExample,
  ),
  event(
    DetailType.OtpLocked,
    'product',
    OtpLockedDetailSchema,
    "The parcel's cap of wrong codes is reached: no new code; for an operator.",
    OtpLockedDetailExample,
  ),
  event(
    DetailType.OtpNotRequired,
    'product',
    OtpNotRequiredDetailSchema,
    'The parcel needs no code (destination, partner or value).',
    OtpNotRequiredDetailExample,
  ),
  event(
    DetailType.OtpEmailFailed,
    'product',
    OtpEmailFailedDetailSchema,
    'The code email could not be sent; the workflow execution fails.',
    OtpEmailFailedDetailExample,
  ),
  event(
    DetailType.OtpUndeliverable,
    'product',
    OtpUndeliverableDetailSchema,
    'The code reached the recipient on no channel (once per code), for the shop to act on.',
    OtpUndeliverableDetailExample,
  ),
  event(
    DetailType.HandoverVerified,
    'product',
    HandoverVerifiedDetailSchema,
    'A driver handed the parcel over with the right code; at least once, dedupe by parcelId.',
    HandoverVerifiedDetailExample,
  ),
  event(
    DetailType.ParcelEventRefused,
    'product',
    ParcelEventRefusedDetailSchema,
    'A carrier event was refused (a bad field, a delivery day over, a closed or unknown parcel, a time ahead): why, by a reason code; never the event\u2019s own text.',
    ParcelEventRefusedDetailExample,
  ),
] as const;

type Catalogue = (typeof EVENTS)[number];

/** Every detail-type of the contract. */
export type ContractDetailType = Catalogue['detailType'];
/** Detail-types this product emits. */
export type EmittedDetailType = Extract<Catalogue, { publisher: 'product' }>['detailType'];
/** Detail-types this product consumes from the carriers. */
export type ConsumedDetailType = Extract<Catalogue, { publisher: 'carrier' }>['detailType'];

/** The detail of the event `Type`, as its schema defines it. */
export type EventDetail<Type extends Catalogue['detailType']> = z.infer<
  Extract<Catalogue, { detailType: Type }>['schema']
>;

/**
 * An emit step's detail: every field of the event's detail (none optional, none extra), each as a value
 * for a JsonPath or a template (`JsonPath.stringAt`, `JsonPath.numberAt`, or a pipe's `<$.path>`), so a
 * field added to the schema and missing from an emit step fails `tsc`.
 */
export type DetailPaths<Detail> = {
  readonly [Field in keyof Detail]-?: NonNullable<Detail[Field]> extends number
    ? number
    : NonNullable<Detail[Field]> extends string
      ? string
      : DetailPaths<NonNullable<Detail[Field]>>;
};
