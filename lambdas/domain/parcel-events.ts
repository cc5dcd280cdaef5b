// Moved to ./events/ (the event contract); kept as a re-export for existing imports.
export * from './events/carrier-events.ts';
export { DetailType } from './events/detail-types.ts';
export { CalendarDateSchema, DriverIdSchema, ParcelIdSchema } from './events/fields.ts';
export { DRIVER_ID_PATTERN, PARCEL_ID_PATTERN } from './identifiers.ts';
export { firstIssue, type SchemaIssue } from './schema-issue.ts';
