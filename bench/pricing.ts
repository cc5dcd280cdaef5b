/**
 * us-east-1 on-demand prices used by the bench. Source: the AWS pricing pages for each service
 * (aws.amazon.com/<service>/pricing), as given in the benchmark issue; recorded 2026-11-26.
 */
export const PRICING = {
  source: 'AWS public on-demand pricing pages, us-east-1, as recorded in the benchmark issue',
  recorded: '2026-11-26',
  stepFunctionsStandardPerTransition: 0.025 / 1000,
  stepFunctionsExpressPerRequest: 1.0 / 1e6,
  stepFunctionsExpressPerGbSecond: 0.00001667,
  lambdaPerRequest: 0.2 / 1e6,
  lambdaArmPerGbSecond: 0.0000133334,
  dynamodbPerWriteUnit: 0.625 / 1e6,
  dynamodbPerReadUnit: 0.125 / 1e6,
  sesPerEmail: 0.1 / 1000,
  httpApiPerRequest: 1.0 / 1e6,
  eventBridgePerCustomEvent: 1.0 / 1e6,
  /**
   * DynamoDB Streams: $0.02 per 100,000 streams read request units (one GetRecords call, up to 1 MB);
   * free for Lambda triggers only, so a pipe's reads are billed (first 2.5 M a month free, not counted
   * here). aws.amazon.com/dynamodb/pricing/on-demand, recorded 2026-12-02.
   */
  dynamodbStreamsPerReadRequest: 0.02 / 100_000,
  /**
   * EventBridge Pipes: $0.40 per million requests, counted after filtering, each 64 KB chunk one request.
   * aws.amazon.com/eventbridge/pricing, recorded 2026-12-02.
   */
  pipesPerRequest: 0.4 / 1e6,
  /**
   * CloudWatch Logs ingestion, per GB (Lambda's logs are vended logs: $0.50 for the first 10 TB a month).
   * aws.amazon.com/cloudwatch/pricing, last known rate; not re-read here (2026-12-06).
   */
  cloudWatchLogsIngestionPerGb: 0.5,
  /** KMS API requests (GenerateMac on the code hash key), $0.03 per 10,000; the key's $1/month is not per parcel. */
  kmsPerRequest: 0.03 / 10_000,
  /**
   * AWS End User Messaging SMS, outbound, USD per message part, by destination country (ISO 3166).
   * Source to check: aws.amazon.com/end-user-messaging/pricing (per-country table, carrier fees included).
   * NOT verified against that page when recorded (2026-12-02, no access to it): these are the
   * per-country SMS rates AWS published for SNS/Pinpoint as last known; confirm before quoting the SMS
   * lines. Country: `npm run bench -- --sms-country=XX`.
   */
  smsPerPartByCountry: {
    DE: 0.0787,
    AT: 0.0855,
    CH: 0.0496,
    FR: 0.0714,
    NL: 0.1012,
    GB: 0.0351,
    US: 0.00883,
  },
  /** Twilio Verify, per successful verification. */
  twilioVerifyPerVerification: 0.05,
} as const;

/**
 * Monthly prices of what a deployment holds whether or not a parcel ships (us-east-1), for the fixed
 * monthly cost (`bench/fixed-cost.ts`, docs/cost.md). Recorded 2026-12-06 with no access to the AWS
 * pricing pages themselves: each `source` names the page to confirm against and where the figure was
 * read. Account-wide free tiers (10 alarm metrics, 3 dashboards, 1 Contributor Insights rule, 5 GB of
 * logs, 2.5 M stream reads, 10,000 Essentials/Lite MAUs) are shared with whatever else runs in the
 * account, so they are not subtracted.
 */
export const MONTHLY_PRICING = {
  recorded: '2026-12-06',
  /**
   * Cognito user pools, per monthly active user, by feature plan (`UserPoolTier`; Essentials is the
   * default for new pools). Plus has no free tier; Lite and Essentials have 10,000 MAUs free per account.
   */
  cognitoPerMau: { LITE: 0.0055, ESSENTIALS: 0.015, PLUS: 0.02 },
  cognitoSource:
    'aws.amazon.com/cognito/pricing (as transcribed from that page on 2026-09-20; not re-read here)',
  /** A customer managed KMS key (symmetric, HMAC or asymmetric), prorated hourly. */
  kmsPerKey: 1.0,
  kmsSource: 'aws.amazon.com/kms/pricing (last known rate; not re-read here)',
  /** A Secrets Manager secret. */
  secretsManagerPerSecret: 0.4,
  secretsManagerSource: 'aws.amazon.com/secrets-manager/pricing (last known rate; not re-read here)',
  /** CloudWatch alarms: per alarm metric (each metric a metric-math alarm reads counts); high resolution 3×. */
  cloudWatchPerAlarmMetric: 0.1,
  cloudWatchPerHighResolutionAlarmMetric: 0.3,
  /** A composite alarm. */
  cloudWatchPerCompositeAlarm: 0.5,
  /** A custom CloudWatch dashboard. */
  cloudWatchPerDashboard: 3.0,
  /** A Contributor Insights rule (plus $0.02 per million matched log events, a per-parcel cost). */
  cloudWatchPerInsightRule: 0.5,
  /** CloudWatch Logs storage (archive), per GB-month; ingestion is $0.50 per GB, a per-parcel cost. */
  cloudWatchLogsPerGbMonth: 0.03,
  cloudWatchSource:
    'aws.amazon.com/cloudwatch/pricing (free-tier table read from the page; paid rates last known, as third-party transcriptions of the page dated 2026 repeat them)',
  /** DynamoDB on-demand storage (Standard table class) and continuous backups (PITR), per GB-month. */
  dynamodbStoragePerGbMonth: 0.25,
  dynamodbPitrPerGbMonth: 0.2,
  dynamodbSource: 'aws.amazon.com/dynamodb/pricing/on-demand (last known rates; not re-read here)',
  /**
   * CloudFront pay-as-you-go has no monthly minimum; its always-free tier (1 TB out, 10 M requests a
   * month) covers an idle or small deployment.
   */
  cloudFrontMinimum: 0,
  cloudFrontSource: 'aws.amazon.com/cloudfront/pricing ("no minimum fee"; last known; not re-read here)',
} as const;

/**
 * Polls a stream shard reader makes: Lambda polls each DynamoDB stream shard four times a second
 * (docs.aws.amazon.com/lambda/latest/dg/with-ddb.html); Pipes' poller is assumed to do the same (its
 * guide states no rate). Each poll is one billed streams read request for a pipe, records or not.
 */
export const STREAM_POLLS_PER_SECOND = 4;

/** Express bills duration in 100 ms steps at 64 MB per execution (minimum). */
export const EXPRESS_MEMORY_GB = 64 / 1024;
