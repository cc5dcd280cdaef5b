import { runSimulation } from '@cloud-copilot/iam-simulate';
import { App, Stack } from 'aws-cdk-lib';
import { Template as CdkTemplate } from 'aws-cdk-lib/assertions';
import { AccountPrincipal, Role } from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { SecureDelivery } from '../../lib/index.ts';
import { type Template, TemplateResolver } from '../../sandbox/emulators/template.ts';

// grantRecipientApi's policy, its Fn::* resolved to plain ARNs, evaluated as AWS evaluates it
// (@cloud-copilot/iam-simulate): which execute-api:Invoke requests the shop backend's role may make.
const env = { region: 'eu-central-1', accountId: '123456789012', stackName: 'RecipientGrants' };

let apiId: string;
let shopSession: string;
let shopPolicies: { name: string; policy: unknown }[];

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, env.stackName, { env: { account: env.accountId, region: env.region } });
  const sd = new SecureDelivery(stack, 'SecureDelivery', {
    mail: { senderEmail: 'no-reply@parcels.carrier.test' },
    driverApp: false,
  });
  sd.grantRecipientApi(new Role(stack, 'ShopBackend', { assumedBy: new AccountPrincipal('333333333333') }));
  const resolver = new TemplateResolver(CdkTemplate.fromStack(stack).toJSON() as Template, env);
  const [apiLogicalId] = resolver.resourcesOfType('AWS::ApiGatewayV2::Api')[0] ?? [];
  apiId = resolver.ref(String(apiLogicalId));
  const [roleId] =
    resolver.resourcesOfType('AWS::IAM::Role').find(([id]) => id.startsWith('ShopBackend')) ?? [];
  shopSession = `arn:aws:sts::${env.accountId}:assumed-role/${roleId}/shop`;
  shopPolicies = resolver
    .resourcesOfType('AWS::IAM::Policy')
    .filter(([, policy]) => JSON.stringify(policy.Properties?.Roles).includes(`"${roleId}"`))
    .map(([name, policy]) => ({ name, policy: resolver.resolve(policy.Properties?.PolicyDocument) }));
});

/** AWS's decision for the shop backend's role invoking `METHOD /path` on `stage` of API `api`. */
async function invoke(route: string, options: { api?: string; stage?: string } = {}): Promise<string> {
  const [method, path] = route.split(' ');
  const resource = `arn:aws:execute-api:${env.region}:${env.accountId}:${options.api ?? apiId}/${options.stage ?? '$default'}/${method}${path}`;
  const result = await runSimulation(
    {
      identityPolicies: shopPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        action: 'execute-api:Invoke',
        principal: shopSession,
        resource: { resource, accountId: env.accountId },
        contextVariables: {},
      },
    },
    {},
  );
  if (result.resultType !== 'single') throw new Error(`simulation failed: ${JSON.stringify(result)}`);
  return result.overallResult;
}

describe('grantRecipientApi, evaluated as AWS evaluates it', () => {
  it('lets the shop backend call Track Package and resend for any parcel on this API’s stage', async () => {
    // Act
    const decisions = [
      await invoke('GET /parcels/P-1/otp'),
      await invoke('POST /parcels/P-1/otp/resend'),
      await invoke('GET /parcels/PX-778899/otp'),
    ];

    // Assess
    expect(shopPolicies).toHaveLength(1);
    expect(decisions).toEqual(['Allowed', 'Allowed', 'Allowed']);
  });

  it('lets it call neither verify, nor the recipient paths with another method, nor another API or stage', async () => {
    // Act
    const decisions = {
      verify: await invoke('POST /parcels/P-1/verify'),
      trackByPost: await invoke('POST /parcels/P-1/otp'),
      resendByGet: await invoke('GET /parcels/P-1/otp/resend'),
      anotherApi: await invoke('GET /parcels/P-1/otp', { api: 'otherapi01' }),
      anotherStage: await invoke('GET /parcels/P-1/otp', { stage: 'test' }),
    };

    // Assess
    for (const [name, decision] of Object.entries(decisions)) expect(decision, name).not.toBe('Allowed');
  });
});
