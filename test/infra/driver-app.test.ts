import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { SecureDeliveryStack } from '../../lib/secure-delivery-stack.ts';
import { REQUIRED_CONTEXT } from '../support/stack-settings.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };

const ENV = { account: '123456789012', region: 'eu-central-1' };
// Bundling is skipped: these tests assert the template, not the built app.
const newApp = () => new App({ context: { 'aws:cdk:bundling-stacks': [], ...REQUIRED_CONTEXT } });

let resources: Record<string, Resource>;
const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
const only = (type: string): [string, Resource] => {
  const found = ofType(type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0] as [string, Resource];
};

beforeAll(() => {
  const stack = new SecureDeliveryStack(newApp(), 'Test', { env: ENV });
  resources = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
});

describe('driver app hosting', () => {
  it('keeps the app in a private, encrypted, SSL-only bucket with access logs', () => {
    // Act
    const buckets = ofType('AWS::S3::Bucket');
    const [assetsId, assets] = buckets.find(([id]) => id.startsWith('DriverAppAssets')) as [string, Resource];
    const policies = ofType('AWS::S3::BucketPolicy').filter(
      ([, policy]) => JSON.stringify(policy.Properties.Bucket) === JSON.stringify({ Ref: assetsId }),
    );

    // Assess
    expect(assets.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LoggingConfiguration: { LogFilePrefix: 'bucket/' },
    });
    const statements = policies.flatMap(
      ([, policy]) =>
        (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
    );
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    // Only CloudFront, for this distribution, may read it.
    const reads = statements.filter((statement) => statement.Effect === 'Allow');
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatchObject({
      Principal: { Service: 'cloudfront.amazonaws.com' },
      Action: 's3:GetObject',
      Condition: { StringEquals: { 'AWS:SourceArn': expect.anything() } },
    });
  });

  it('keeps the sign-in callback’s code and state out of every log: no viewer log, and no query string reaches the bucket’s access log', () => {
    // Act
    const [, distribution] = only('AWS::CloudFront::Distribution');
    const config = distribution.Properties.DistributionConfig as {
      Logging?: unknown;
      DefaultCacheBehavior: { CachePolicyId: string; OriginRequestPolicyId?: string };
    };

    // Assess: the managed CachingOptimized policy keys on no query string, so CloudFront forwards none.
    expect(config.Logging).toBeUndefined();
    expect(config.DefaultCacheBehavior.CachePolicyId).toBe('658327ea-f89d-4fab-a63d-7e88639e58f6');
    expect(config.DefaultCacheBehavior.OriginRequestPolicyId).toBeUndefined();
  });

  it('serves it through CloudFront over HTTPS only, with origin access control and the security headers policy', () => {
    // Act
    const [, distribution] = only('AWS::CloudFront::Distribution');
    const [oacId, oac] = only('AWS::CloudFront::OriginAccessControl');
    const [policyId, policy] = only('AWS::CloudFront::ResponseHeadersPolicy');
    const config = distribution.Properties.DistributionConfig as {
      DefaultCacheBehavior: Record<string, unknown>;
      Origins: Record<string, unknown>[];
      DefaultRootObject: string;
      Logging?: unknown;
    };

    // Assess
    expect(config.DefaultCacheBehavior).toMatchObject({
      ViewerProtocolPolicy: 'https-only',
      ResponseHeadersPolicyId: { Ref: policyId },
      AllowedMethods: ['GET', 'HEAD'],
    });
    expect(config.Origins[0]).toMatchObject({ OriginAccessControlId: { 'Fn::GetAtt': [oacId, 'Id'] } });
    expect(oac.Properties).toMatchObject({
      OriginAccessControlConfig: {
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      },
    });
    expect(config.DefaultRootObject).toBe('index.html');
    expect(config.Logging).toBeUndefined();
    const headers = (
      policy.Properties.ResponseHeadersPolicyConfig as {
        SecurityHeadersConfig: Record<string, Record<string, unknown>>;
      }
    ).SecurityHeadersConfig;
    expect(headers.StrictTransportSecurity).toMatchObject({
      AccessControlMaxAgeSec: 63_072_000,
      IncludeSubdomains: true,
    });
    expect(headers.FrameOptions).toMatchObject({ FrameOption: 'DENY' });
    expect(headers.ContentTypeOptions).toMatchObject({ Override: true });
    expect(headers.ReferrerPolicy).toMatchObject({ ReferrerPolicy: 'no-referrer' });
    const csp = String(JSON.stringify(headers.ContentSecurityPolicy?.ContentSecurityPolicy));
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    const [, domain] = only('AWS::Cognito::UserPoolDomain');
    expect(csp).toContain(`https://${String(domain.Properties.Domain)}.auth.eu-central-1.amazoncognito.com`);
  });

  it('lets the app connect to this deployment’s API, pool issuer and login domain only, not every API or pool in the Region', () => {
    // Act
    const [, policy] = only('AWS::CloudFront::ResponseHeadersPolicy');
    const [apiId] = only('AWS::ApiGatewayV2::Api');
    const [poolId] = only('AWS::Cognito::UserPool');
    const [, domain] = only('AWS::Cognito::UserPoolDomain');
    const csp = JSON.stringify(
      (policy.Properties.ResponseHeadersPolicyConfig as Record<string, Record<string, unknown>>)
        .SecurityHeadersConfig?.ContentSecurityPolicy,
    );

    // Assess
    expect(csp).toContain(JSON.stringify({ 'Fn::GetAtt': [apiId, 'ApiEndpoint'] }));
    expect(csp).toMatch(
      new RegExp(`https://cognito-idp\\.eu-central-1\\.amazonaws\\.com/",\\{"Ref":"${poolId}"\\},"/ `),
    );
    expect(csp).toContain(`https://${String(domain.Properties.Domain)}.auth.eu-central-1.amazoncognito.com;`);
    expect(csp).not.toContain('*');
  });

  it('deploys the built app with a config.json from the stack: API URL, issuer, web client, scope and login domain', () => {
    // Act
    const [, deployment] = only('Custom::CDKBucketDeployment');
    const [apiId] = only('AWS::ApiGatewayV2::Api');
    const [poolId] = only('AWS::Cognito::UserPool');
    const [clientId] = ofType('AWS::Cognito::UserPoolClient').find(([id]) =>
      id.startsWith('DriversPoolWebApp'),
    ) as [string, Resource];
    // Source.jsonData: the stack's values are filled in at deploy time from these references.
    const markers = JSON.stringify(deployment.Properties.SourceMarkers);

    // Assess
    expect(deployment.Properties.Prune).toBe(true);
    expect(deployment.Properties.DistributionPaths).toEqual(['/*']);
    expect(deployment.Properties.SystemMetadata).toEqual({ 'cache-control': 'no-cache' });
    for (const id of [apiId, poolId, clientId]) expect(markers).toContain(JSON.stringify({ Ref: id }));
  });
});

describe('the driver web app’s sign-in', () => {
  const webClient = () =>
    ofType('AWS::Cognito::UserPoolClient').find(([id]) => id.startsWith('DriversPoolWebApp')) as [
      string,
      Resource,
    ];

  it('gives the web app its own public client with the code grant only, openid and the verify scope, and the app’s URL as callback', () => {
    // Act
    const [, client] = webClient();
    const [distributionId] = only('AWS::CloudFront::Distribution');
    const appUrl = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }, '/']] };

    // Assess
    expect(client.Properties).toMatchObject({
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'secure-delivery/verify'],
      GenerateSecret: false,
      ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
      SupportedIdentityProviders: ['COGNITO'],
      EnableTokenRevocation: true,
      PreventUserExistenceErrors: 'ENABLED',
      CallbackURLs: [appUrl],
      LogoutURLs: [appUrl],
    });
  });

  it('gives the pool a managed-login domain (version 2, branded) named after the stack, unique per account and Region', () => {
    // Act
    const [, domain] = only('AWS::Cognito::UserPoolDomain');
    const [, branding] = only('AWS::Cognito::ManagedLoginBranding');

    // Assess
    expect(domain.Properties).toMatchObject({ ManagedLoginVersion: 2 });
    expect(domain.Properties.Domain).toMatch(/^test-drivers-[0-9a-f]{8}$/);
    expect(branding.Properties).toMatchObject({
      UseCognitoProvidedValues: true,
      ClientId: { Ref: webClient()[0] },
    });
  });

  it('lets browsers call the verify API with a bearer token and no credentials (CORS), and exposes Retry-After', () => {
    // Act
    const [, api] = only('AWS::ApiGatewayV2::Api');

    // Assess: no cookie or credential rides along, so any origin may send a token it already holds.
    expect(api.Properties.CorsConfiguration).toEqual({
      AllowOrigins: ['*'],
      AllowMethods: ['POST'],
      AllowHeaders: ['authorization', 'content-type'],
      ExposeHeaders: ['retry-after'],
      MaxAge: 3600,
    });
  });

  it('refuses a login domain prefix Cognito would refuse', () => {
    // Act, Assess
    expect(
      () =>
        new SecureDeliveryStack(
          new App({
            context: {
              'aws:cdk:bundling-stacks': [],
              ...REQUIRED_CONTEXT,
              'secureDelivery:driverLoginDomainPrefix': 'My_Drivers',
            },
          }),
          'Bad',
          { env: ENV },
        ),
    ).toThrow(/driverLoginDomainPrefix/);
  });

  it('passes cdk-nag with the app’s resources', () => {
    // Prepare
    const app = newApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    new SecureDeliveryStack(app, 'Nag', { env: ENV });

    // Act, Assess
    expect(() => app.synth()).not.toThrow();
  });
});
