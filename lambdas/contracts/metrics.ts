import { ENVIRONMENT } from './environment.ts';

/** The namespace of every metric the product emits itself (EMF from handlers, workflow log filters). */
export const METRICS_NAMESPACE = ENVIRONMENT.POWERTOOLS_METRICS_NAMESPACE.default;

/**
 * Metrics the product counts itself, so its alarms never rest on a rule's best-effort `MatchedEvents`:
 * one name each, used by the code that emits it and by the alarm that reads it.
 */
export const ProductMetric = {
  /** `Delivery Otp Undeliverable` published (EMF from record-delivery and sweep-delayed, dimension `service`). */
  CodeUndeliverable: 'CodeUndeliverable',
  /** `Delivery Otp Email Failed` emitted (a metric filter on each workflow's log, no dimension). */
  CodeEmailFailed: 'CodeEmailFailed',
  /** `Delivery Otp Locked` emitted (a metric filter on the lifecycle workflow's log, no dimension). */
  ParcelLocked: 'ParcelLocked',
} as const;
