/**
 * AWS default quotas that bound one deployment (one account and Region), as AWS publishes them; see
 * docs/capacity.md for the sources and how to raise each. Values are us-east-1 unless noted; every one
 * is adjustable in Service Quotas except where docs/capacity.md says otherwise.
 */
export const QUOTAS = {
  /** SES sending rate out of the sandbox: "varies with your use case"; 14/s is the long-published start. */
  sesEmailsPerSecond: 14,
  /** Step Functions Express StartExecution (EventBridge rule targets start executions). */
  expressStartsPerSecond: 6_000,
  /** API Gateway: account throttle across all APIs per Region. */
  apiGatewayRequestsPerSecond: 10_000,
  /** This stack's own stage throttle on the HTTP API (`DeliveryApi` rateLimit default). */
  stageRateLimitPerSecond: 200,
  /** EventBridge PutEvents entries per second (us-east-1; 2,400 in us-east-2, lower elsewhere). */
  putEventsPerSecond: 10_000,
  /** EventBridge rule target invocations per second (us-east-1; 4,500 in eu-central-1). */
  targetInvocationsPerSecond: 18_750,
  /** DynamoDB on-demand table quota: write request units per second (and 40,000 reads). */
  dynamodbTableWritesPerSecond: 40_000,
  /** Lambda concurrent executions per Region. */
  lambdaConcurrency: 1_000,
  /** DynamoDB Streams / Pipes: one pipe reads each shard; a shard takes about 1,000 writes/s. */
  streamShardWritesPerSecond: 1_000,
} as const;

/** Requests one protected parcel makes of each quota-bound service (measured by the cost run). */
export interface PerParcelRequests {
  readonly emails: number;
  readonly events: number;
  readonly expressExecutions: number;
  readonly httpRequests: number;
  readonly dynamodbWrites: number;
  readonly lambdaInvocations: number;
  readonly lambdaSeconds: number;
}

/** One quota's ceiling on protected parcels per second. */
export interface CapacityLine {
  readonly quota: string;
  readonly limit: number;
  readonly perParcel: number;
  readonly parcelsPerSecond: number;
}

/**
 * Peak protected parcels per second each quota allows, given what one parcel uses of it; the smallest
 * binds first. Verifies per second are bounded by the front door (stage throttle, account quota).
 */
export function capacity(perParcel: PerParcelRequests): {
  lines: CapacityLine[];
  binding: CapacityLine;
  verifiesPerSecond: number;
} {
  const line = (quota: string, limit: number, use: number): CapacityLine => ({
    quota,
    limit,
    perParcel: use,
    parcelsPerSecond: use > 0 ? limit / use : Number.POSITIVE_INFINITY,
  });
  const lines = [
    line('SES sending rate (emails/s)', QUOTAS.sesEmailsPerSecond, perParcel.emails),
    line('Express StartExecution (/s)', QUOTAS.expressStartsPerSecond, perParcel.expressExecutions),
    line('HTTP API stage throttle (req/s)', QUOTAS.stageRateLimitPerSecond, perParcel.httpRequests),
    line('API Gateway account (req/s)', QUOTAS.apiGatewayRequestsPerSecond, perParcel.httpRequests),
    line('EventBridge PutEvents (entries/s)', QUOTAS.putEventsPerSecond, perParcel.events),
    line('DynamoDB table writes (WRU/s)', QUOTAS.dynamodbTableWritesPerSecond, perParcel.dynamodbWrites),
    // Concurrency = rate x duration: the parcels/s whose Lambda seconds fill the Region's concurrency.
    line('Lambda concurrency (concurrent)', QUOTAS.lambdaConcurrency, perParcel.lambdaSeconds),
  ];
  const binding = lines.reduce((lowest, candidate) =>
    candidate.parcelsPerSecond < lowest.parcelsPerSecond ? candidate : lowest,
  );
  return {
    lines,
    binding,
    verifiesPerSecond: Math.min(QUOTAS.stageRateLimitPerSecond, QUOTAS.apiGatewayRequestsPerSecond),
  };
}
