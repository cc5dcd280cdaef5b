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

/** Express bills duration in 100 ms steps at 64 MB per execution (minimum). */
export const EXPRESS_MEMORY_GB = 64 / 1024;
