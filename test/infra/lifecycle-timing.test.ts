import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { SecureDeliveryStack } from '../../lib/secure-delivery-stack.ts';
import { REQUIRED_CONTEXT } from '../support/stack-settings.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };
type Retrier = { ErrorEquals: string[]; IntervalSeconds: number; BackoffRate: number; MaxAttempts: number };

let resources: Resource[];

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...REQUIRED_CONTEXT } });
  const stack = new SecureDeliveryStack(app, 'Test', {
    env: { account: '123456789012', region: 'eu-central-1' },
  });
  resources = Object.values(Template.fromStack(stack).toJSON().Resources as Record<string, Resource>);
});

/** A state machine's definition as ASL JSON, its `Fn::Join` references replaced by placeholders. */
function definitionOf(resource: Resource): { States: Record<string, { Retry?: Retrier[] }> } {
  const join = (resource.Properties.DefinitionString as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return JSON.parse(join[1].map((part) => (typeof part === 'string' ? part : 'ref')).join(''));
}

describe('a resend’s hold on the code and the lifecycle workflow’s retries', () => {
  it('holds the code longer than the resend function can run, and the lifecycle retries outlast that hold', () => {
    // Prepare
    const resend = resources.find(
      (resource) =>
        resource.Type === 'AWS::Lambda::Function' &&
        JSON.stringify(resource.Properties.Environment).includes('"POWERTOOLS_SERVICE_NAME":"resend-otp"'),
    ) as Resource;
    const lifecycle = resources.find(
      (resource) =>
        resource.Type === 'AWS::StepFunctions::StateMachine' &&
        JSON.stringify(resource.Properties).includes('Apply lifecycle event'),
    ) as Resource;

    // Act
    const lease = Number(
      (resend.Properties.Environment as { Variables: Record<string, string> }).Variables.RESEND_LEASE_SECONDS,
    );
    const retrier = definitionOf(lifecycle).States['Apply lifecycle event']?.Retry?.find((candidate) =>
      candidate.ErrorEquals.includes('ResendInFlightError'),
    ) as Retrier;
    const totalWait = Array.from(
      { length: retrier.MaxAttempts },
      (_, attempt) => retrier.IntervalSeconds * retrier.BackoffRate ** attempt,
    ).reduce((sum, wait) => sum + wait, 0);

    // Assess
    expect(lease).toBeGreaterThan(resend.Properties.Timeout as number);
    expect(totalWait).toBeGreaterThan(lease);
  });
});
