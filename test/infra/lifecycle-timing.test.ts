import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { SecureDeliveryStack } from '../../lib/secure-delivery-stack.ts';
import { REQUIRED_CONTEXT } from '../support/stack-settings.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };
type Retrier = {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  BackoffRate?: number;
  MaxAttempts?: number;
  MaxDelaySeconds?: number;
};
type State = {
  Type: string;
  Resource?: string;
  Next?: string;
  Default?: string;
  Choices?: { Next: string }[];
  Catch?: { Next: string }[];
  Retry?: Retrier[];
  TimeoutSeconds?: number;
};
type Definition = { StartAt: string; States: Record<string, State> };

/** Express workflows end after 5 minutes, whatever they were doing. */
const EXPRESS_LIMIT_SECONDS = 300;
/** "Well inside": a minute to spare for what the sum cannot see (cold starts, Step Functions itself). */
const WORST_CASE_BUDGET_SECONDS = EXPRESS_LIMIT_SECONDS - 60;

let resources: Record<string, Resource>;

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...REQUIRED_CONTEXT } });
  const stack = new SecureDeliveryStack(app, 'Test', {
    env: { account: '123456789012', region: 'eu-central-1' },
  });
  resources = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
});

/** A state machine's definition as ASL JSON, each `Fn::GetAtt` a `getatt:<logical id>` placeholder. */
function definitionOf(resource: Resource): Definition {
  const join = (resource.Properties.DefinitionString as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  const text = join[1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const getAtt = (part as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      return getAtt ? `getatt:${getAtt[0]}` : 'ref';
    })
    .join('');
  return JSON.parse(text);
}

const machine = (marker: string): Resource =>
  Object.values(resources).find(
    (resource) =>
      resource.Type === 'AWS::StepFunctions::StateMachine' &&
      JSON.stringify(resource.Properties).includes(marker),
  ) as Resource;

/** All the waits of one retrier: interval × rate^k for each retry, each capped at MaxDelaySeconds. */
function retrierWaits(retrier: Retrier): number {
  const attempts = retrier.MaxAttempts ?? 3;
  return Array.from({ length: attempts }, (_, attempt) =>
    Math.min(
      (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** attempt,
      retrier.MaxDelaySeconds ?? Number.POSITIVE_INFINITY,
    ),
  ).reduce((sum, wait) => sum + wait, 0);
}

/**
 * The longest a Task state can take: every retrier used up (each counts its own attempts), every wait at
 * its full length, every attempt running to its timeout (TimeoutSeconds, or the Lambda function's own).
 */
function worstTaskSeconds(state: State): number {
  const functionId = /^getatt:(.+)$/.exec(state.Resource ?? '')?.[1];
  const attemptSeconds =
    state.TimeoutSeconds ??
    (functionId ? (resources[functionId]?.Properties.Timeout as number | undefined) : undefined) ??
    Number.POSITIVE_INFINITY;
  const retriers = state.Retry ?? [];
  const attempts = 1 + retriers.reduce((sum, retrier) => sum + (retrier.MaxAttempts ?? 3), 0);
  return attempts * attemptSeconds + retriers.reduce((sum, retrier) => sum + retrierWaits(retrier), 0);
}

/** The worst case of the longest path from `name` (the definitions have no loops). */
function worstPathSeconds(definition: Definition, name: string): number {
  const state = definition.States[name] as State;
  const own = state.Type === 'Task' ? worstTaskSeconds(state) : 0;
  const next = [state.Next, state.Default, ...(state.Choices ?? []), ...(state.Catch ?? [])]
    .map((target) => (typeof target === 'object' && target ? target.Next : target))
    .filter((target): target is string => typeof target === 'string');
  return own + Math.max(0, ...next.map((target) => worstPathSeconds(definition, target)));
}

describe('a resend’s hold on the code and the lifecycle workflow’s retries', () => {
  it('holds the code longer than the resend function can run, and the lifecycle retries outlast that hold and an SMS claim', () => {
    // Prepare
    const resend = Object.values(resources).find(
      (resource) =>
        resource.Type === 'AWS::Lambda::Function' &&
        JSON.stringify(resource.Properties.Environment).includes('"POWERTOOLS_SERVICE_NAME":"resend-otp"'),
    ) as Resource;
    const variables = (resend.Properties.Environment as { Variables: Record<string, string> }).Variables;

    // Act
    const lease = Number(variables.RESEND_LEASE_SECONDS);
    const retrier = definitionOf(machine('Apply lifecycle event')).States[
      'Apply lifecycle event'
    ]?.Retry?.find((candidate) => candidate.ErrorEquals.includes('ResendInFlightError')) as Retrier;

    // Assess
    expect(lease).toBeGreaterThan(resend.Properties.Timeout as number);
    expect(retrierWaits(retrier)).toBeGreaterThan(lease);
    // A claimed code SMS holds the code for the SMS claim's lease (the contract's 30 s default).
    expect(retrierWaits(retrier)).toBeGreaterThan(30);
  });

  it.each([
    ['lifecycle', 'Apply lifecycle event'],
    ['issuing', 'Check value'],
  ])(
    'keeps the %s workflow’s worst case (every retry, every attempt to its timeout) well inside the Express 5 minutes',
    (_name, marker) => {
      // Prepare
      const definition = definitionOf(machine(marker));

      // Act
      const worst = worstPathSeconds(definition, definition.StartAt);

      // Assess
      expect(worst).toBeLessThanOrEqual(WORST_CASE_BUDGET_SECONDS);
    },
  );

  it('retries every PutEvents step (throttling, service errors, an entry EventBridge did not take), each attempt bounded', () => {
    // Prepare
    const steps = ['Apply lifecycle event', 'Check value'].flatMap((marker) =>
      Object.entries(definitionOf(machine(marker)).States).filter(([, state]) =>
        state.Resource?.endsWith(':states:::events:putEvents'),
      ),
    );

    // Assess
    expect(steps.length).toBeGreaterThan(5);
    for (const [name, state] of steps) {
      expect(state.Retry?.[0]?.ErrorEquals, name).toEqual(['States.ALL']);
      expect(state.Retry?.[0]?.MaxAttempts, name).toBeGreaterThanOrEqual(2);
      expect(state.TimeoutSeconds, name).toBeLessThanOrEqual(10);
    }
  });
});
