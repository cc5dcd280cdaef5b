import { App, Stack } from 'aws-cdk-lib';
import { Template as CdkTemplate } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { DetailType } from '../../lambdas/domain/events/detail-types.ts';
import { EVENTS } from '../../lambdas/domain/events/index.ts';
import { SecureDelivery } from '../../lib/index.ts';
import { type Template, TemplateResolver } from '../../sandbox/emulators/template.ts';
import { simulatePutEvents } from '../support/put-events-simulation.ts';

// grantPublishCarrierEvents's policies, their Fn::* resolved to plain ARNs, evaluated as AWS evaluates them
// (@cloud-copilot/iam-simulate: events:source and events:detail-type are multi-valued, one value per entry).
const env = { region: 'eu-central-1', accountId: '123456789012', stackName: 'Grants' };
const CARRIER_ACCOUNT = '222222222222';
const FOREIGN_ROLE = 'arn:aws:iam::444444444444:role/dispatch';
const SOURCE = 'acme.dispatch';
const CARRIER_TYPES = EVENTS.filter((event) => event.publisher === 'carrier').map(
  (event) => event.detailType,
);
const PRODUCT_TYPES = EVENTS.filter((event) => event.publisher === 'product').map(
  (event) => event.detailType,
);

type PolicyDocument = { Version: string; Statement: Record<string, unknown>[] };

let resolver: TemplateResolver;
let busArn: string;
let dispatchRole: string;
let identityPolicy: PolicyDocument;
let busPolicy: PolicyDocument;

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, env.stackName, { env: { account: env.accountId, region: env.region } });
  const sd = new SecureDelivery(stack, 'SecureDelivery', {
    mail: { senderEmail: 'no-reply@parcels.carrier.test' },
    carrierEventSource: SOURCE,
    driverApp: false,
  });
  // A carrier system in this account (its role), one in another account (the account id), and a role of a
  // third account named by ARN (which only the bus's policy can let in).
  sd.grantPublishCarrierEvents(
    new Role(stack, 'Dispatch', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') }),
  );
  sd.grantPublishCarrierEvents(CARRIER_ACCOUNT);
  sd.grantPublishCarrierEvents(Role.fromRoleArn(stack, 'ForeignDispatch', FOREIGN_ROLE));
  const template = CdkTemplate.fromStack(stack).toJSON() as Template;
  resolver = new TemplateResolver(template, env);
  const [busId] = resolver.resourcesOfType('AWS::Events::EventBus')[0] ?? [];
  busArn = resolver.arn(String(busId));
  const [roleId] = resolver.resourcesOfType('AWS::IAM::Role').find(([id]) => id.startsWith('Dispatch')) ?? [];
  dispatchRole = String(roleId);
  const attached = resolver
    .resourcesOfType('AWS::IAM::Policy')
    .filter(([, policy]) => JSON.stringify(policy.Properties?.Roles).includes(`"${dispatchRole}"`));
  expect(attached).toHaveLength(1);
  identityPolicy = resolver.resolve(attached[0]?.[1].Properties?.PolicyDocument) as PolicyDocument;
  busPolicy = {
    Version: '2012-10-17',
    Statement: resolver
      .resourcesOfType('AWS::Events::EventBusPolicy')
      .map(([, policy]) => resolver.resolve(policy.Properties?.Statement) as Record<string, unknown>),
  };
});

/** The decision for one PutEvents request whose entries carry these sources and detail types. */
function putEvents(
  caller: 'dispatch role' | 'carrier account' | 'foreign role' | 'unknown account',
  context: { sources?: string[]; detailTypes?: string[] },
): Promise<string> {
  const principal = {
    'dispatch role': `arn:aws:sts::${env.accountId}:assumed-role/${dispatchRole}/session`,
    'carrier account': `arn:aws:iam::${CARRIER_ACCOUNT}:role/carrier-dispatch`,
    'foreign role': FOREIGN_ROLE,
    'unknown account': 'arn:aws:iam::555555555555:role/carrier-dispatch',
  }[caller];
  // Another account's caller needs its own account's allow too: give it the broadest one.
  const ownSide = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: '*' }],
  };
  return simulatePutEvents({
    principal,
    identityPolicies: [{ name: 'identity', policy: caller === 'dispatch role' ? identityPolicy : ownSide }],
    resourcePolicy: busPolicy,
    busArn,
    accountId: env.accountId,
    ...context,
  });
}

const CALLERS = ['dispatch role', 'carrier account', 'foreign role'] as const;

describe('grantPublishCarrierEvents, evaluated as AWS evaluates it', () => {
  it('grants a principal of this account by IAM and another account or its principal by the bus policy', () => {
    // Assess: the identity policy, and one bus-policy statement per other account
    expect(identityPolicy.Statement).toEqual([
      expect.objectContaining({ Action: 'events:PutEvents', Resource: busArn, Effect: 'Allow' }),
    ]);
    expect(busPolicy.Statement.map((statement) => statement.Principal)).toEqual([
      { AWS: `arn:aws:iam::${CARRIER_ACCOUNT}:root` },
      { AWS: FOREIGN_ROLE },
    ]);
  });

  it('lets each grantee put every carrier event, one at a time and in one batch', async () => {
    for (const caller of CALLERS) {
      for (const detailType of CARRIER_TYPES) {
        // Act and Assess
        expect(
          await putEvents(caller, { sources: [SOURCE], detailTypes: [detailType] }),
          `${caller}: ${detailType}`,
        ).toBe('Allowed');
      }
      expect(
        await putEvents(caller, {
          sources: CARRIER_TYPES.map(() => SOURCE),
          detailTypes: [...CARRIER_TYPES],
        }),
        `${caller}: a batch`,
      ).toBe('Allowed');
    }
  });

  it("denies each grantee the product's own events, another source, a mixed batch, and an entry without source or detail-type", async () => {
    for (const caller of CALLERS) {
      // Act
      const decisions = {
        productEvents: await Promise.all(
          PRODUCT_TYPES.map((detailType) =>
            putEvents(caller, { sources: [SOURCE], detailTypes: [detailType] }),
          ),
        ),
        otherSource: await putEvents(caller, {
          sources: ['secure-delivery'],
          detailTypes: [DetailType.ParcelShipped],
        }),
        mixedSources: await putEvents(caller, {
          sources: [SOURCE, 'attacker.example'],
          detailTypes: [DetailType.ParcelShipped],
        }),
        mixedTypes: await putEvents(caller, {
          sources: [SOURCE],
          detailTypes: [DetailType.ParcelShipped, DetailType.HandoverVerified],
        }),
        noSource: await putEvents(caller, { detailTypes: [DetailType.ParcelShipped] }),
        noDetailType: await putEvents(caller, { sources: [SOURCE] }),
      };

      // Assess
      expect(PRODUCT_TYPES).toContain(DetailType.HandoverVerified);
      for (const decision of decisions.productEvents) expect(decision, caller).not.toBe('Allowed');
      for (const [name, decision] of Object.entries(decisions).filter(([name]) => name !== 'productEvents'))
        expect(decision, `${caller}: ${name}`).not.toBe('Allowed');
    }
  });

  it('lets no account in that it was not given', async () => {
    // Act
    const decision = await putEvents('unknown account', {
      sources: [SOURCE],
      detailTypes: [DetailType.ParcelShipped],
    });

    // Assess
    expect(decision).not.toBe('Allowed');
  });
});
