import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENTS } from '../../lambdas/domain/events/index.ts';
import { eventJsonSchema } from '../../lambdas/domain/events/json-schema.ts';
import { SecureDeliveryStack } from '../../lib/secure-delivery-stack.ts';
import { REQUIRED_CONTEXT } from '../support/stack-settings.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };

let resources: Resource[];

beforeAll(() => {
  // Prepare: a carrier source other than the default, as context sets it
  const app = new App({
    context: {
      'aws:cdk:bundling-stacks': [],
      ...REQUIRED_CONTEXT,
      'secureDelivery:eventSource': 'acme.dispatch',
    },
  });
  const stack = new SecureDeliveryStack(app, 'Test', {
    env: { account: '123456789012', region: 'eu-central-1' },
  });
  resources = Object.values(Template.fromStack(stack).toJSON().Resources as Record<string, Resource>);
});

describe('the event schema registry', () => {
  it('publishes one JSON Schema draft 4 per event of the contract, in one registry of the stack', () => {
    // Act
    const registries = resources.filter((resource) => resource.Type === 'AWS::EventSchemas::Registry');
    const schemas = resources.filter((resource) => resource.Type === 'AWS::EventSchemas::Schema');

    // Assess
    expect(registries).toHaveLength(1);
    expect(schemas.map((schema) => JSON.parse(String(schema.Properties.Content)).title).sort()).toEqual(
      EVENTS.map((event) => event.detailType).sort(),
    );
    expect(new Set(schemas.map((schema) => schema.Properties.Type))).toEqual(new Set(['JSONSchemaDraft4']));
    expect(new Set(schemas.map((schema) => JSON.stringify(schema.Properties.RegistryName)))).toHaveLength(1);
  });

  it("holds each event's generated schema with the stack's configured sources", () => {
    // Prepare
    const sources = { carrier: 'acme.dispatch', product: 'secure-delivery', ses: 'aws.ses' };

    // Act
    const byName = new Map(
      resources
        .filter((resource) => resource.Type === 'AWS::EventSchemas::Schema')
        .map((schema) => [schema.Properties.SchemaName, JSON.parse(String(schema.Properties.Content))]),
    );

    // Assess
    for (const event of EVENTS) {
      const name = `${sources[event.publisher]}@${event.detailType.replace(/ /g, '')}`;
      expect(byName.get(name), name).toEqual(eventJsonSchema(event, sources));
    }
  });

  it('names the registry after the stack, `<stack name>-events`, where a carrier finds it in the console', () => {
    // Act
    const registry = resources.find((resource) => resource.Type === 'AWS::EventSchemas::Registry');

    // Assess
    expect(registry?.Properties.RegistryName).toBe('Test-events');
  });
});
