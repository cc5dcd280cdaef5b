import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { UserPool } from 'aws-cdk-lib/aws-cognito';
import { AccountPrincipal, Role } from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { RESEND_ROUTE, ROUTES, TRACK_ROUTE } from '../../lambdas/contracts/http/routes.ts';
import { DeliveryApi, type DeliveryApiProps } from '../../lib/delivery-api.ts';
import { SecureDeliveryStack } from '../../lib/secure-delivery-stack.ts';
import { REQUIRED_CONTEXT } from '../support/stack-settings.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };

const ENV = { account: '123456789012', region: 'eu-central-1' };

let stack: SecureDeliveryStack;
let resources: Record<string, Resource>;
let outputs: Record<string, unknown>;

beforeAll(() => {
  // Bundling is skipped: these tests assert the template, not the bundles.
  stack = new SecureDeliveryStack(
    new App({ context: { 'aws:cdk:bundling-stacks': [], ...REQUIRED_CONTEXT } }),
    'Test',
    {
      env: ENV,
    },
  );
  // A shop backend's role, to see what grantInvoke grants.
  const shop = new Role(stack, 'ShopBackend', { assumedBy: new AccountPrincipal(ENV.account) });
  stack.secureDelivery.grantRecipientApi(shop);
  const template = Template.fromStack(stack).toJSON();
  resources = template.Resources as Record<string, Resource>;
  outputs = template.Outputs as Record<string, unknown>;
});

const idsOf = (type: string) =>
  Object.entries(resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([id]) => id)
    .sort();

describe('DeliveryApi', () => {
  it('keeps the logical IDs the API, its stage, routes and retained logs were first deployed with, so a deployed stack keeps its URL and logs', () => {
    // Act
    const api = idsOf('AWS::ApiGatewayV2::Api');
    const stage = idsOf('AWS::ApiGatewayV2::Stage');
    const routes = idsOf('AWS::ApiGatewayV2::Route');
    const authorizers = idsOf('AWS::ApiGatewayV2::Authorizer');
    const logGroups = idsOf('AWS::Logs::LogGroup');

    // Assess: the IDs the stack had when VerifyApi owned the API.
    expect(api).toEqual(['VerifyApi93717D4F']);
    expect(stage).toEqual(['VerifyApiDefaultStage6BCAB150']);
    expect(authorizers).toEqual(['VerifyApiDrivers4C38FF14']);
    expect(routes).toEqual([
      'VerifyApiGETparcelsparcelIdotpEA26FADB',
      'VerifyApiPOSTparcelsparcelIdotpresend7530D2DC',
      'VerifyApiPOSTparcelsparcelIdverifyB5B7E9A3',
    ]);
    expect(logGroups).toEqual(
      expect.arrayContaining(['VerifyApiAccessLogs6AE04F5B', 'VerifyApiVerifyLogsB2A16FBA']),
    );
    expect(Object.keys(outputs)).toContain('VerifyApiUrl');
  });

  it('serves exactly the contract routes, each with its authorization: JWT with its scopes, or SigV4', () => {
    // Act
    const routes = Object.values(resources)
      .filter((resource) => resource.Type === 'AWS::ApiGatewayV2::Route')
      .map((route) => ({
        key: route.Properties.RouteKey,
        type: route.Properties.AuthorizationType,
        scopes: route.Properties.AuthorizationScopes,
      }));

    // Assess
    const expected = ROUTES.map((route) => ({
      key: `${route.method} ${route.path}`,
      type: route.authorization.type === 'jwt' ? 'JWT' : 'AWS_IAM',
      scopes: route.authorization.type === 'jwt' ? [...route.authorization.scopes] : undefined,
    }));
    const byKey = (a: { key: unknown }, b: { key: unknown }) => String(a.key).localeCompare(String(b.key));
    expect(routes.sort(byKey)).toEqual(expected.sort(byKey));
  });

  it("grants the shop backend execute-api:Invoke on the recipient routes' contract paths and nothing else", () => {
    // Act
    const statements = Object.values(resources)
      .filter((resource) => resource.Type === 'AWS::IAM::Policy')
      .filter((policy) => JSON.stringify(policy.Properties.Roles).includes('ShopBackend'))
      .flatMap(
        (policy) =>
          (policy.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] })
            .Statement,
      );

    // Assess
    const [statement] = statements;
    expect(statements).toHaveLength(1);
    expect(statement?.Action).toBe('execute-api:Invoke');
    const resourceTails = ((statement?.Resource ?? []) as { 'Fn::Join': [string, unknown[]] }[]).map(
      (resource) => String(resource['Fn::Join'][1].at(-1)),
    );
    expect(resourceTails).toEqual([
      `/$default/${TRACK_ROUTE.method}/parcels/*/otp`,
      `/$default/${RESEND_ROUTE.method}/parcels/*/otp/resend`,
    ]);
  });

  it("throttles the stack's stage at 200 requests per second with a burst of 400 by default", () => {
    // Act
    const stages = Object.values(resources).filter(
      (resource) => resource.Type === 'AWS::ApiGatewayV2::Stage',
    );

    // Assess
    expect(stages).toHaveLength(1);
    expect(stages[0]?.Properties.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: 200,
      ThrottlingBurstLimit: 400,
    });
  });

  it('throttles the stage at the rateLimit and burstLimit it is given', () => {
    // Prepare
    const throttleOf = (props: Partial<DeliveryApiProps>) => {
      const scope = new Stack(new App(), 'ThrottleTest', { env: ENV });
      const driverPool = new UserPool(scope, 'Drivers');
      const handheldClient = driverPool.addClient('Handheld');
      const driverAuthorizer = new HttpUserPoolAuthorizer('Drivers', driverPool, {
        userPoolClients: [handheldClient],
      });
      new DeliveryApi(scope, 'Api', { driverAuthorizer, ...props });
      const [stage] = Object.values(
        Template.fromStack(scope).findResources('AWS::ApiGatewayV2::Stage') as Record<string, Resource>,
      );
      return stage?.Properties.DefaultRouteSettings;
    };

    // Act
    const given = throttleOf({ rateLimit: 25, burstLimit: 60 });
    const omitted = throttleOf({});

    // Assess
    expect(given).toMatchObject({ ThrottlingRateLimit: 25, ThrottlingBurstLimit: 60 });
    expect(omitted).toMatchObject({ ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 });
  });
});
