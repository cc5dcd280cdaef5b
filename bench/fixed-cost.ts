/**
 * What a deployment costs a month with no parcel shipping, read from the synthesized template: every
 * resource type is either priced here, known to cost nothing while idle, or reported as unclassified
 * (so a resource added to the stack is never silently free). Prices: `MONTHLY_PRICING` (bench/pricing.ts).
 */
import type { Template, TemplateResource } from '../sandbox/emulators/template.ts';
import { MONTHLY_PRICING, PRICING, STREAM_POLLS_PER_SECOND } from './pricing.ts';

/** What the fixed cost depends on that the template does not say. */
export interface FixedCostAssumptions {
  /** Drivers who sign in at least once a month (Cognito bills monthly active users). */
  readonly activeDrivers: number;
  /** CloudWatch Logs kept from earlier traffic, all log groups together, GB. */
  readonly storedLogGb: number;
  /** Data in the tables (codes and recipients within their retention), all tables together, GB. */
  readonly storedTableGb: number;
  /** Shards of each DynamoDB stream a pipe reads (one for a small table). */
  readonly shardsPerStream: number;
}

/** The bench's defaults (`npm run bench -- --drivers=N` changes the driver count). */
export const DEFAULT_FIXED_COST_ASSUMPTIONS: FixedCostAssumptions = {
  activeDrivers: 50,
  storedLogGb: 1,
  storedTableGb: 1,
  shardsPerStream: 1,
};

/** One priced line: what, how many, at what unit price, per month. */
export interface FixedCostLine {
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly usdPerUnit: number;
  readonly usdPerMonth: number;
  readonly source: string;
}

/** The fixed monthly cost of one deployment. */
export interface FixedCost {
  readonly lines: FixedCostLine[];
  readonly usdPerMonth: number;
  readonly assumptions: FixedCostAssumptions;
  /** Resource types in the template that cost nothing while no parcel ships. */
  readonly freeWhenIdle: string[];
  /** Resource types this model does not know: their cost is NOT in the figure. */
  readonly unclassified: string[];
}

/** Hours AWS bills a month as (730 = 8,760 / 12). */
export const HOURS_PER_MONTH = 730;

/**
 * Types that bill only per request, per byte moved or per second run, or not at all: nothing while idle.
 * S3 buckets hold the driver app (well under 1 MB, a fraction of a cent) and access logs of traffic.
 * Metric filters publish (and their custom metric bills) only when a log line matches: an email failure
 * or a lockout, never while idle.
 */
const FREE_WHEN_IDLE = new Set([
  'AWS::ApiGatewayV2::Api',
  'AWS::ApiGatewayV2::Authorizer',
  'AWS::ApiGatewayV2::Integration',
  'AWS::ApiGatewayV2::Route',
  'AWS::ApiGatewayV2::Stage',
  'AWS::CDK::Metadata',
  'AWS::CloudFront::OriginAccessControl',
  'AWS::CloudFront::ResponseHeadersPolicy',
  'AWS::Cognito::ManagedLoginBranding',
  'AWS::Cognito::UserPoolClient',
  'AWS::Cognito::UserPoolDomain',
  'AWS::Cognito::UserPoolResourceServer',
  'AWS::Cognito::UserPoolRiskConfigurationAttachment',
  'AWS::EventSchemas::Registry',
  'AWS::EventSchemas::Schema',
  'AWS::Events::EventBus',
  'AWS::Events::Rule',
  'AWS::IAM::Policy',
  'AWS::IAM::Role',
  'AWS::Lambda::EventInvokeConfig',
  'AWS::Lambda::Function',
  'AWS::Lambda::LayerVersion',
  'AWS::Lambda::Permission',
  'AWS::Logs::MetricFilter',
  'AWS::Logs::ResourcePolicy',
  'AWS::S3::Bucket',
  'AWS::S3::BucketPolicy',
  'AWS::SES::ConfigurationSet',
  'AWS::SES::ConfigurationSetEventDestination',
  'AWS::SES::EmailIdentity',
  'AWS::SMSVOICE::ConfigurationSet',
  'AWS::SMSVOICE::ProtectConfiguration',
  'AWS::SNS::Subscription',
  'AWS::SNS::Topic',
  'AWS::SNS::TopicPolicy',
  'AWS::SQS::Queue',
  'AWS::SQS::QueuePolicy',
  'AWS::StepFunctions::StateMachine',
  'Custom::CDKBucketDeployment',
]);

/** Types priced by `fixedMonthlyCost`. */
const PRICED = new Set([
  'AWS::Cognito::UserPool',
  'AWS::KMS::Key',
  'AWS::SecretsManager::Secret',
  'AWS::CloudWatch::Alarm',
  'AWS::CloudWatch::CompositeAlarm',
  'AWS::CloudWatch::Dashboard',
  'AWS::CloudWatch::InsightRule',
  'AWS::Logs::LogGroup',
  'AWS::DynamoDB::Table',
  'AWS::Pipes::Pipe',
  'AWS::CloudFront::Distribution',
]);

type MetricEntry = {
  Id?: string;
  Expression?: unknown;
  MetricStat?: { Period?: number };
  Period?: number;
};

/**
 * Alarm metrics CloudWatch bills for one alarm: one for a plain metric alarm; for a metric-math alarm,
 * one per metric it reads (a `MetricStat`, or a function such as `INSIGHT_RULE_METRIC` that reads one
 * itself; an anomaly detection band reads three); arithmetic over other entries adds none. High
 * resolution when any period is under 60 s.
 */
export function alarmMetrics(properties: Record<string, unknown>): {
  metrics: number;
  highResolution: boolean;
} {
  const entries = (properties.Metrics as MetricEntry[] | undefined) ?? [];
  const periods = [
    properties.Period as number | undefined,
    ...entries.flatMap((entry) => [entry.Period, entry.MetricStat?.Period]),
  ].filter((period): period is number => typeof period === 'number');
  const highResolution = periods.some((period) => period < 60);
  if (entries.length === 0) return { metrics: 1, highResolution };
  const ids = entries.map((entry) => entry.Id).filter((id): id is string => Boolean(id));
  let metrics = 0;
  for (const entry of entries) {
    if (entry.MetricStat) {
      metrics++;
      continue;
    }
    if (entry.Expression === undefined) continue;
    const expression = JSON.stringify(entry.Expression);
    if (/ANOMALY_DETECTION_BAND/.test(expression)) metrics += 3;
    else if (!ids.some((id) => id !== entry.Id && new RegExp(`\\b${id}\\b`).test(expression))) metrics++;
  }
  return { metrics, highResolution };
}

const resourcesOf = (template: Template, type: string): TemplateResource[] =>
  Object.values(template.Resources).filter((resource) => resource.Type === type);

/** A pipe's source is a DynamoDB stream: `Fn::GetAtt [<table>, StreamArn]` or a stream ARN. */
const readsDynamoDbStream = (pipe: TemplateResource): boolean => {
  const source = JSON.stringify(pipe.Properties?.Source ?? '');
  return source.includes('"StreamArn"') || /:dynamodb:.*\/stream\//.test(source);
};

/** The fixed monthly cost of the deployment `template` describes, under `assumptions`. */
export function fixedMonthlyCost(
  template: Template,
  assumptions: FixedCostAssumptions = DEFAULT_FIXED_COST_ASSUMPTIONS,
): FixedCost {
  const lines: FixedCostLine[] = [];
  const add = (item: string, quantity: number, unit: string, usdPerUnit: number, source: string) => {
    if (quantity > 0)
      lines.push({ item, quantity, unit, usdPerUnit, usdPerMonth: quantity * usdPerUnit, source });
  };
  const M = MONTHLY_PRICING;

  for (const pool of resourcesOf(template, 'AWS::Cognito::UserPool')) {
    const tier = String(pool.Properties?.UserPoolTier ?? 'ESSENTIALS') as keyof typeof M.cognitoPerMau;
    const perMau = M.cognitoPerMau[tier];
    if (perMau === undefined) throw new Error(`No Cognito price for the feature plan ${tier}`);
    add(`Cognito ${tier} plan, active drivers`, assumptions.activeDrivers, 'MAU', perMau, M.cognitoSource);
  }
  add(
    'KMS customer managed keys',
    resourcesOf(template, 'AWS::KMS::Key').length,
    'key',
    M.kmsPerKey,
    M.kmsSource,
  );
  add(
    'Secrets Manager secrets',
    resourcesOf(template, 'AWS::SecretsManager::Secret').length,
    'secret',
    M.secretsManagerPerSecret,
    M.secretsManagerSource,
  );

  let standard = 0;
  let highResolution = 0;
  for (const alarm of resourcesOf(template, 'AWS::CloudWatch::Alarm')) {
    const counted = alarmMetrics(alarm.Properties ?? {});
    if (counted.highResolution) highResolution += counted.metrics;
    else standard += counted.metrics;
  }
  add(
    'CloudWatch alarm metrics (standard resolution)',
    standard,
    'alarm metric',
    M.cloudWatchPerAlarmMetric,
    M.cloudWatchSource,
  );
  add(
    'CloudWatch alarm metrics (high resolution)',
    highResolution,
    'alarm metric',
    M.cloudWatchPerHighResolutionAlarmMetric,
    M.cloudWatchSource,
  );
  add(
    'CloudWatch composite alarms',
    resourcesOf(template, 'AWS::CloudWatch::CompositeAlarm').length,
    'alarm',
    M.cloudWatchPerCompositeAlarm,
    M.cloudWatchSource,
  );
  add(
    'CloudWatch dashboards',
    resourcesOf(template, 'AWS::CloudWatch::Dashboard').length,
    'dashboard',
    M.cloudWatchPerDashboard,
    M.cloudWatchSource,
  );
  add(
    'CloudWatch Contributor Insights rules',
    resourcesOf(template, 'AWS::CloudWatch::InsightRule').length,
    'rule',
    M.cloudWatchPerInsightRule,
    M.cloudWatchSource,
  );
  const logGroups = resourcesOf(template, 'AWS::Logs::LogGroup').length;
  if (logGroups > 0)
    add(
      `CloudWatch Logs storage (${logGroups} log groups, assumed ${assumptions.storedLogGb} GB kept)`,
      assumptions.storedLogGb,
      'GB-month',
      M.cloudWatchLogsPerGbMonth,
      M.cloudWatchSource,
    );

  const tables = resourcesOf(template, 'AWS::DynamoDB::Table');
  if (tables.length > 0) {
    add(
      `DynamoDB storage (${tables.length} tables, assumed ${assumptions.storedTableGb} GB)`,
      assumptions.storedTableGb,
      'GB-month',
      M.dynamodbStoragePerGbMonth,
      M.dynamodbSource,
    );
    const withPitr = tables.filter(
      (table) =>
        (
          table.Properties?.PointInTimeRecoverySpecification as
            | { PointInTimeRecoveryEnabled?: boolean }
            | undefined
        )?.PointInTimeRecoveryEnabled === true,
    ).length;
    add(
      `DynamoDB point-in-time recovery (${withPitr} of ${tables.length} tables)`,
      (assumptions.storedTableGb * withPitr) / tables.length,
      'GB-month',
      M.dynamodbPitrPerGbMonth,
      M.dynamodbSource,
    );
  }

  const streamPipes = resourcesOf(template, 'AWS::Pipes::Pipe').filter(readsDynamoDbStream).length;
  add(
    `DynamoDB Streams reads of idle pipe polling (${streamPipes} pipe, ${assumptions.shardsPerStream} shard each, ${STREAM_POLLS_PER_SECOND} polls/s)`,
    streamPipes * assumptions.shardsPerStream * STREAM_POLLS_PER_SECOND * 3600 * HOURS_PER_MONTH,
    'read request',
    PRICING.dynamodbStreamsPerReadRequest,
    `${M.dynamodbSource}; poll rate: docs.aws.amazon.com/lambda/latest/dg/with-ddb.html (Lambda), assumed for Pipes`,
  );

  const distributions = resourcesOf(template, 'AWS::CloudFront::Distribution').length;
  if (distributions > 0)
    lines.push({
      item: `CloudFront distributions (${distributions}), monthly minimum`,
      quantity: distributions,
      unit: 'distribution',
      usdPerUnit: M.cloudFrontMinimum,
      usdPerMonth: distributions * M.cloudFrontMinimum,
      source: M.cloudFrontSource,
    });

  const types = [...new Set(Object.values(template.Resources).map((resource) => resource.Type))].sort();
  return {
    lines,
    usdPerMonth: lines.reduce((sum, line) => sum + line.usdPerMonth, 0),
    assumptions,
    freeWhenIdle: types.filter((type) => FREE_WHEN_IDLE.has(type)),
    unclassified: types.filter((type) => !FREE_WHEN_IDLE.has(type) && !PRICED.has(type)),
  };
}
