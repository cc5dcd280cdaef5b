import { beforeAll, describe, expect, it } from 'vitest';
import { DetailType } from '../../lambdas/domain/events/detail-types.ts';
import { synthesizeTemplate } from '../../sandbox/app/synth.ts';
import { type Template, TemplateResolver } from '../../sandbox/emulators/template.ts';
import { simulatePutEvents } from '../support/put-events-simulation.ts';

// The synthesized policies, their Fn::* resolved to plain ARNs, evaluated the way AWS evaluates them
// (@cloud-copilot/iam-simulate, with AWS's service reference: events:source and events:detail-type are
// multi-valued, one value per PutEvents entry).
const env = { region: 'eu-central-1', accountId: '123456789012', stackName: 'IamTest' };

/**
 * What each function may put on the bus, by contract (docs/events.md, "Events the product emits"). A function
 * that gains a PutEvents grant must be listed here, or the test fails.
 */
const FUNCTION_EMITS: Readonly<Record<string, readonly string[]>> = {
  'verify-otp': [DetailType.HandoverVerified],
  'record-delivery': [DetailType.OtpUndeliverable],
  'sweep-delayed': [DetailType.OtpUndeliverable],
  'record-sms-delivery': [DetailType.OtpUndeliverable],
  'assign-driver': [DetailType.ParcelEventRefused],
};

type Statement = { Effect: string; Action?: string | string[] };
type PolicyDocument = { Version?: string; Statement: Statement[] };

/** A role that may call events:PutEvents, with what it may emit and everything attached to it. */
interface Publisher {
  readonly role: string;
  readonly usedBy: string;
  readonly source: string;
  readonly detailTypes: readonly string[];
  readonly policies: { name: string; policy: PolicyDocument }[];
}

let resolver: TemplateResolver;
let publishers: Publisher[];
let busArn: string;
let carrierSource: string;

const roleOf = (value: unknown): string | undefined =>
  (value as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];

/** True if an IAM action pattern (wildcards `*` and `?`, case-insensitive) covers events:PutEvents. */
const matchesPutEvents = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  ).test('events:PutEvents');

const grantsPutEvents = (policy: PolicyDocument) =>
  policy.Statement.some(
    (statement) => statement.Effect === 'Allow' && [statement.Action ?? []].flat().some(matchesPutEvents),
  );

/** Every policy attached to each role, resolved to plain ARNs. */
function policiesByRole(template: Template): Map<string, { name: string; policy: PolicyDocument }[]> {
  const byRole = new Map<string, { name: string; policy: PolicyDocument }[]>();
  const add = (role: string, name: string, document: unknown) => {
    const policy = resolver.resolve(document) as PolicyDocument;
    // Only statements that can apply to events:PutEvents: the others cannot change its decision, and
    // their resources (stream ARNs, log groups) need not resolve to ARNs the simulator accepts.
    const statements = policy.Statement.filter(
      (statement) => 'NotAction' in statement || [statement.Action ?? []].flat().some(matchesPutEvents),
    );
    byRole.set(role, [
      ...(byRole.get(role) ?? []),
      { name, policy: { Version: '2012-10-17', Statement: statements } },
    ]);
  };
  for (const [id, resource] of Object.entries(template.Resources)) {
    const properties = resource.Properties ?? {};
    if (resource.Type === 'AWS::IAM::Policy') {
      for (const role of (properties.Roles as { Ref: string }[] | undefined) ?? []) {
        add(role.Ref, id, properties.PolicyDocument);
      }
    }
    if (resource.Type === 'AWS::IAM::Role') {
      for (const inline of (properties.Policies as { PolicyName: string; PolicyDocument: unknown }[]) ?? []) {
        add(id, `${id}/${inline.PolicyName}`, inline.PolicyDocument);
      }
    }
  }
  return byRole;
}

/** The entries a state machine's definition puts on the bus: source and detail types of its PutEvents tasks. */
function emitsOfDefinition(definitionString: unknown): { sources: string[]; detailTypes: string[] } {
  const definition = JSON.parse(String(resolver.resolve(definitionString)));
  const sources = new Set<string>();
  const detailTypes = new Set<string>();
  const visit = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    const state = node as {
      Resource?: string;
      Parameters?: { Entries?: { Source: string; DetailType: string }[] };
    };
    if (state.Resource?.startsWith('arn:aws:states:::events:putEvents')) {
      for (const entry of state.Parameters?.Entries ?? []) {
        sources.add(entry.Source);
        detailTypes.add(entry.DetailType);
      }
    }
    for (const child of Object.values(node)) visit(child);
  };
  visit(definition);
  return { sources: [...sources], detailTypes: [...detailTypes] };
}

/** Who uses each role, and what the template or the contract says it emits. */
function publishersOf(template: Template): Publisher[] {
  const byRole = policiesByRole(template);
  const found: Publisher[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    const properties = resource.Properties ?? {};
    let role: string | undefined;
    let emits: { source: string; detailTypes: readonly string[] } | undefined;
    if (resource.Type === 'AWS::StepFunctions::StateMachine') {
      role = roleOf(properties.RoleArn);
      const { sources, detailTypes } = emitsOfDefinition(properties.DefinitionString);
      expect(sources.length, `${id} emits from one source`).toBeLessThanOrEqual(1);
      emits = sources[0] ? { source: sources[0], detailTypes } : undefined;
    } else if (resource.Type === 'AWS::Lambda::Function') {
      role = roleOf(properties.Role);
      const environment = (properties.Environment as { Variables?: Record<string, string> })?.Variables ?? {};
      const handler = environment.POWERTOOLS_SERVICE_NAME ?? id;
      const detailTypes = FUNCTION_EMITS[handler];
      emits =
        detailTypes && environment.EVENT_SOURCE
          ? { source: environment.EVENT_SOURCE, detailTypes }
          : undefined;
    } else if (resource.Type === 'AWS::Pipes::Pipe') {
      role = roleOf(properties.RoleArn);
      const target = (
        properties.TargetParameters as
          | { EventBridgeEventBusParameters?: { Source?: string; DetailType?: string } }
          | undefined
      )?.EventBridgeEventBusParameters;
      emits =
        target?.Source && target.DetailType
          ? { source: target.Source, detailTypes: [target.DetailType] }
          : undefined;
    }
    const policies = role ? byRole.get(role) : undefined;
    if (!role || !policies?.some(({ policy }) => grantsPutEvents(policy))) continue;
    if (!emits) throw new Error(`${id} may call events:PutEvents but its contract says it emits nothing`);
    found.push({ role, usedBy: id, ...emits, policies });
  }
  return found;
}

beforeAll(() => {
  const template = synthesizeTemplate(env);
  resolver = new TemplateResolver(template, env);
  const [busId] = resolver.resourcesOfType('AWS::Events::EventBus')[0] ?? [];
  busArn = resolver.arn(busId as string);
  const [, rule] = resolver.resourcesOfType('AWS::Events::Rule')[0] ?? [];
  carrierSource = (rule?.Properties?.EventPattern as { source: string[] } | undefined)?.source[0] ?? '';
  expect(carrierSource).not.toBe('');
  publishers = publishersOf(template);
}, 60_000);

/** The decision for one PutEvents request whose entries carry these sources and detail types. */
function putEvents(
  publisher: Publisher,
  context: { sources?: string[]; detailTypes?: string[] },
): Promise<string> {
  return simulatePutEvents({
    principal: `arn:aws:sts::${env.accountId}:assumed-role/${publisher.role}/session`,
    identityPolicies: publisher.policies,
    busArn,
    accountId: env.accountId,
    ...context,
  });
}

const ALL_DETAIL_TYPES = Object.values(DetailType);

describe('events:PutEvents policies, evaluated as AWS evaluates them', () => {
  it('finds every principal the template lets put events, each with what it may emit', () => {
    // Prepare, Act: publishersOf (beforeAll) reads the template; Assess:
    expect(publishers.length).toBeGreaterThan(0);
    for (const publisher of publishers) {
      expect(publisher.source, publisher.usedBy).toBe('secure-delivery');
      expect(publisher.detailTypes.length, publisher.usedBy).toBeGreaterThan(0);
    }
  });

  it('lets each principal put its own events, one at a time and in one batch', async () => {
    // Prepare: the publishers and their contracts (beforeAll); Act and Assess, per principal:
    for (const publisher of publishers) {
      for (const detailType of publisher.detailTypes) {
        expect(
          await putEvents(publisher, { sources: [publisher.source], detailTypes: [detailType] }),
          `${publisher.usedBy}: ${detailType}`,
        ).toBe('Allowed');
      }
      expect(
        await putEvents(publisher, {
          sources: [publisher.source, publisher.source],
          detailTypes: [...publisher.detailTypes],
        }),
        `${publisher.usedBy}: all its own types in one batch`,
      ).toBe('Allowed');
    }
  });

  it('denies each principal another source, such as the carrier’s', async () => {
    // Prepare: the publishers and the carrier's source (beforeAll); Act and Assess, per principal:
    for (const publisher of publishers) {
      for (const source of [carrierSource, 'attacker.example']) {
        expect(
          await putEvents(publisher, {
            sources: [source],
            detailTypes: [publisher.detailTypes[0] as string],
          }),
          `${publisher.usedBy}: source ${source}`,
        ).not.toBe('Allowed');
      }
    }
  });

  it('denies each principal every detail-type it does not own, the carrier’s included', async () => {
    // Prepare, per principal: every detail-type of the contract it does not own; Act and Assess:
    for (const publisher of publishers) {
      const foreign = ALL_DETAIL_TYPES.filter((detailType) => !publisher.detailTypes.includes(detailType));
      expect(foreign).toContain(DetailType.ParcelOutForDelivery);
      for (const detailType of foreign) {
        expect(
          await putEvents(publisher, { sources: [publisher.source], detailTypes: [detailType] }),
          `${publisher.usedBy}: ${detailType}`,
        ).not.toBe('Allowed');
      }
    }
  });

  it('denies a batch that mixes the principal’s own entries with a foreign one', async () => {
    for (const publisher of publishers) {
      // Prepare
      const own = publisher.detailTypes[0] as string;

      // Act
      const mixedSource = await putEvents(publisher, {
        sources: [publisher.source, carrierSource],
        detailTypes: [own],
      });
      const mixedType = await putEvents(publisher, {
        sources: [publisher.source],
        detailTypes: [own, DetailType.ShipmentCancelled],
      });

      // Assess
      expect(mixedSource, `${publisher.usedBy}: mixed sources`).not.toBe('Allowed');
      expect(mixedType, `${publisher.usedBy}: mixed detail-types`).not.toBe('Allowed');
    }
  });
});
