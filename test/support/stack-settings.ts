/**
 * The settings a deployment cannot do without (docs/deploy.md#settings), for tests that synthesize the
 * repository's stack: spread into the app's context before the test's own, which may replace them.
 */
export const REQUIRED_CONTEXT: Readonly<Record<string, string>> = {
  'secureDelivery:senderEmail': 'no-reply@parcels.carrier.test',
  'secureDelivery:alarmEmail': 'oncall@carrier.test',
};
