import { beforeAll, describe, expect, it } from 'vitest';
import {
  alarmMetrics,
  DEFAULT_FIXED_COST_ASSUMPTIONS,
  type FixedCost,
  fixedMonthlyCost,
  HOURS_PER_MONTH,
} from '../../bench/fixed-cost.ts';
import { MONTHLY_PRICING, PRICING } from '../../bench/pricing.ts';
import { SANDBOX_ENV } from '../../sandbox/app/sandbox.ts';
import { synthesizeTemplate } from '../../sandbox/app/synth.ts';
import type { Template } from '../../sandbox/emulators/template.ts';

const template = (
  resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>,
): Template => ({
  Resources: resources,
});

const lineOf = (cost: FixedCost, startsWith: string) =>
  cost.lines.find((line) => line.item.startsWith(startsWith));

describe('fixed monthly cost: alarm metrics', () => {
  it('counts one metric for a plain metric alarm', () => {
    // Prepare, Act
    const counted = alarmMetrics({ MetricName: '5xx', Namespace: 'AWS/ApiGateway', Period: 300 });

    // Assess
    expect(counted).toEqual({ metrics: 1, highResolution: false });
  });

  it('counts each metric a metric-math alarm reads, not the arithmetic over them', () => {
    // Prepare
    const properties = {
      Metrics: [
        { Id: 'expr_1', Expression: 'FILL(m0, 0) + FILL(m1, 0)', ReturnData: true },
        { Id: 'm0', MetricStat: { Metric: {}, Period: 300, Stat: 'Sum' } },
        { Id: 'm1', MetricStat: { Metric: {}, Period: 300, Stat: 'Sum' } },
      ],
    };

    // Act
    const counted = alarmMetrics(properties);

    // Assess
    expect(counted.metrics).toBe(2);
  });

  it('counts a function that reads a metric itself (Contributor Insights) as one metric', () => {
    // Prepare
    const properties = {
      Metrics: [
        {
          Id: 'expr_1',
          Expression: {
            'Fn::Join': ['', ["INSIGHT_RULE_METRIC('", { 'Fn::GetAtt': ['Rule', 'RuleName'] }, "')"]],
          },
          Period: 300,
        },
      ],
    };

    // Act
    const counted = alarmMetrics(properties);

    // Assess
    expect(counted.metrics).toBe(1);
  });

  it('bills an alarm with a period under a minute as high resolution', () => {
    // Prepare, Act
    const counted = alarmMetrics({ MetricName: 'Errors', Period: 10 });

    // Assess
    expect(counted.highResolution).toBe(true);
  });
});

describe('fixed monthly cost from a template', () => {
  it('prices the user pool per active driver at its feature plan', () => {
    // Prepare
    const pool = template({ Pool: { Type: 'AWS::Cognito::UserPool', Properties: { UserPoolTier: 'PLUS' } } });

    // Act
    const cost = fixedMonthlyCost(pool, { ...DEFAULT_FIXED_COST_ASSUMPTIONS, activeDrivers: 200 });

    // Assess
    expect(lineOf(cost, 'Cognito PLUS')?.usdPerMonth).toBeCloseTo(
      200 * MONTHLY_PRICING.cognitoPerMau.PLUS,
      9,
    );
  });

  it('prices a pool without a feature plan at Essentials, the default for new pools', () => {
    // Prepare
    const pool = template({ Pool: { Type: 'AWS::Cognito::UserPool' } });

    // Act
    const cost = fixedMonthlyCost(pool);

    // Assess
    expect(lineOf(cost, 'Cognito ESSENTIALS')?.usdPerUnit).toBe(MONTHLY_PRICING.cognitoPerMau.ESSENTIALS);
  });

  it('counts keys, secrets, dashboards and rules from the template, so adding one changes the figure', () => {
    // Prepare
    const one = template({
      Key: { Type: 'AWS::KMS::Key' },
      Secret: { Type: 'AWS::SecretsManager::Secret' },
      Board: { Type: 'AWS::CloudWatch::Dashboard' },
      Rule: { Type: 'AWS::CloudWatch::InsightRule' },
    });
    const two = template({ ...one.Resources, Key2: { Type: 'AWS::KMS::Key' } });

    // Act
    const before = fixedMonthlyCost(one);
    const after = fixedMonthlyCost(two);

    // Assess
    expect(lineOf(before, 'KMS')?.quantity).toBe(1);
    expect(lineOf(after, 'KMS')?.quantity).toBe(2);
    expect(after.usdPerMonth - before.usdPerMonth).toBeCloseTo(MONTHLY_PRICING.kmsPerKey, 9);
    expect(lineOf(before, 'Secrets Manager')?.usdPerMonth).toBe(MONTHLY_PRICING.secretsManagerPerSecret);
    expect(lineOf(before, 'CloudWatch dashboards')?.usdPerMonth).toBe(MONTHLY_PRICING.cloudWatchPerDashboard);
    expect(lineOf(before, 'CloudWatch Contributor')?.usdPerMonth).toBe(
      MONTHLY_PRICING.cloudWatchPerInsightRule,
    );
  });

  it('prices stored logs and table data at the stated assumptions, PITR only for tables that have it', () => {
    // Prepare
    const stack = template({
      Logs: { Type: 'AWS::Logs::LogGroup' },
      Codes: {
        Type: 'AWS::DynamoDB::Table',
        Properties: { PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } },
      },
      Other: { Type: 'AWS::DynamoDB::Table' },
    });

    // Act
    const cost = fixedMonthlyCost(stack, {
      ...DEFAULT_FIXED_COST_ASSUMPTIONS,
      storedLogGb: 4,
      storedTableGb: 2,
    });

    // Assess
    expect(lineOf(cost, 'CloudWatch Logs storage')?.usdPerMonth).toBeCloseTo(
      4 * MONTHLY_PRICING.cloudWatchLogsPerGbMonth,
      9,
    );
    expect(lineOf(cost, 'DynamoDB storage')?.quantity).toBe(2);
    expect(lineOf(cost, 'DynamoDB point-in-time')?.quantity).toBe(1);
  });

  it("prices a pipe's idle polling of a DynamoDB stream, every poll a billed read", () => {
    // Prepare
    const stack = template({
      Pipe: { Type: 'AWS::Pipes::Pipe', Properties: { Source: { 'Fn::GetAtt': ['Table', 'StreamArn'] } } },
    });

    // Act
    const cost = fixedMonthlyCost(stack);

    // Assess
    const polls = 4 * 3600 * HOURS_PER_MONTH;
    expect(lineOf(cost, 'DynamoDB Streams reads')?.usdPerMonth).toBeCloseTo(
      polls * PRICING.dynamodbStreamsPerReadRequest,
      9,
    );
  });

  it('reports a resource type it does not know instead of counting it as free', () => {
    // Prepare
    const stack = template({ Nat: { Type: 'AWS::EC2::NatGateway' }, Queue: { Type: 'AWS::SQS::Queue' } });

    // Act
    const cost = fixedMonthlyCost(stack);

    // Assess
    expect(cost.unclassified).toEqual(['AWS::EC2::NatGateway']);
    expect(cost.freeWhenIdle).toEqual(['AWS::SQS::Queue']);
  });
});

describe("fixed monthly cost of this product's stack", () => {
  let cost: FixedCost;

  beforeAll(() => {
    cost = fixedMonthlyCost(synthesizeTemplate(SANDBOX_ENV));
  }, 180_000);

  it('knows every resource type the stack synthesizes (none left unpriced)', () => {
    // Act, Assess
    expect(cost.unclassified).toEqual([]);
  });

  it('prices the lines an idle deployment pays: drivers, keys, the secret, alarms, logs, CloudFront', () => {
    // Act
    const items = cost.lines.map((line) => line.item);

    // Assess
    for (const expected of [
      'Cognito',
      'KMS',
      'Secrets Manager',
      'CloudWatch alarm metrics',
      'CloudWatch Logs',
      'CloudFront',
    ])
      expect(items.some((item) => item.startsWith(expected))).toBe(true);
    expect(cost.usdPerMonth).toBeGreaterThan(0);
  });
});
