import { Duration, Lazy, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  CfnOriginAccessControl,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { DRIVER_APP_PERMISSIONS_POLICY, driverAppContentSecurityPolicy } from '../driver-app/policy.ts';
import { driverAppSource } from './built-assets.ts';
import { stackScopedName } from './physical-names.ts';

/** Props for {@link DriverAppHosting}. */
export interface DriverAppHostingProps {
  /**
   * Sources besides its own origin the app may call (Content-Security-Policy `connect-src`); more are added
   * with {@link DriverAppHosting.allowConnectionsTo} (this deployment's API and sign-in endpoints).
   * @default none
   */
  readonly connectSources?: readonly string[];
  /**
   * What happens to the app's buckets when the stack is deleted (the app can be deployed again).
   * @default RemovalPolicy.DESTROY with autoDeleteObjects off: a non-empty bucket stays
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The app's runtime settings, written as `config.json` next to it at deploy time. */
export interface DriverAppRuntimeConfig {
  readonly apiUrl: string;
  /** The drivers' issuer; the app reads its endpoints from the discovery document under it. */
  readonly authority: string;
  readonly clientId: string;
  readonly scope: string;
  /** Cognito's managed-login domain (`/logout`, `/oauth2/revoke`); absent for another OIDC provider. */
  readonly authDomain?: string;
}

/**
 * The drivers' web app: a private S3 bucket behind CloudFront (origin access control, HTTPS only, security
 * headers), built from `driver-app/` at synth; its `config.json` comes from the stack, so no rebuild per
 * environment.
 */
export class DriverAppHosting extends Construct {
  /** Holds the built app; readable only by the distribution. */
  public readonly bucket: Bucket;
  /** The app bucket's server access logs (the distribution keeps no viewer log). */
  public readonly logBucket: Bucket;
  public readonly distribution: Distribution;
  public readonly headersPolicy: ResponseHeadersPolicy;
  /** `https://<distribution domain>`, the app's URL (no trailing slash). */
  public readonly url: string;
  /** The `config.json` the deployment writes, once {@link deploy} ran. */
  public config?: DriverAppRuntimeConfig;
  private readonly connectSources: string[];

  constructor(scope: Construct, id: string, props: DriverAppHostingProps = {}) {
    super(scope, id);
    this.connectSources = [...(props.connectSources ?? [])];
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    this.logBucket = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // S3 server access logging writes with the log-delivery ACL, so this bucket keeps object-writer ownership.
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy,
    });
    Validations.of(this.logBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket itself; logging it into itself would loop.',
    });
    this.bucket = new Bucket(this, 'Assets', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: 'bucket/',
      versioned: true,
      removalPolicy,
    });
    this.headersPolicy = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      // Names are unique per account across Regions: the stack's and the Region's name in it.
      responseHeadersPolicyName: stackScopedName(this, 'security-headers', { maxLength: 128, global: true }),
      comment: 'Secure Delivery driver app: CSP, HSTS, no framing, no sniffing, no referrer',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          // Read at synth: the API and sign-in sources are added after the distribution exists.
          contentSecurityPolicy: Lazy.string({
            produce: () => driverAppContentSecurityPolicy(this.connectSources),
          }),
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          preload: true,
          override: true,
        },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        contentTypeOptions: { override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
      customHeadersBehavior: {
        customHeaders: [
          { header: 'Permissions-Policy', value: DRIVER_APP_PERMISSIONS_POLICY, override: true },
          { header: 'Cross-Origin-Opener-Policy', value: 'same-origin', override: true },
        ],
      },
    });
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Secure Delivery driver app',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.headersPolicy,
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      // No viewer log: its request line would keep the OAuth callback's `code` and `state` (docs/driver-app.md).
      enableLogging: false,
    });
    nameOriginAccessControl(this.distribution, stackScopedName(this, 'oac', { maxLength: 64, global: true }));
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The default *.cloudfront.net certificate cannot be pinned to TLS 1.2; a carrier who adds its own domain and certificate sets minimumProtocolVersion TLSv1.2_2021 with it.',
      },
      {
        id: 'AwsSolutions-CFR1',
        reason:
          'Drivers deliver wherever the carrier operates; sign-in and the API decide who may act, not geography.',
      },
      {
        id: 'AwsSolutions-CFR3',
        reason:
          "A viewer log's request line keeps the sign-in callback's authorization code and state (cs-uri-query; legacy logs cannot drop a field, standard logging v2 is configured in us-east-1 only). The distribution serves static files; sign-ins are logged by the identity provider, every API call in the API's access log, and origin fetches in the bucket's server access log.",
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'Static files only; every action goes to the API (throttled, JWT-authorized) and Cognito (threat protection on), not through this distribution.',
      },
    );
    this.url = `https://${this.distribution.distributionDomainName}`;
  }

  /**
   * Lets the app call `sources` (Content-Security-Policy `connect-src`): exact origins or URL prefixes
   * (`https://host/path/`), tokens resolved by CloudFormation included.
   */
  allowConnectionsTo(...sources: string[]): void {
    this.connectSources.push(...sources);
  }

  /**
   * Deploys the app built from `driver-app/` and its `config.json`, then invalidates the distribution.
   * Browsers revalidate every file (`no-cache`); the service worker keeps the shell for offline starts.
   */
  deploy(config: DriverAppRuntimeConfig): BucketDeployment {
    this.config = config;
    const deployment = new BucketDeployment(this, 'Deploy', {
      destinationBucket: this.bucket,
      sources: [driverAppSource(), Source.jsonData('config.json', config)],
      distribution: this.distribution,
      distributionPaths: ['/*'],
      cacheControl: [CacheControl.noCache()],
      prune: true,
      memoryLimit: 256,
    });
    // CDK's deployment function (a singleton at stack level): its grants are CDK's, scoped to the two buckets.
    const reason = (what: string) =>
      `CDK's BucketDeployment function ${what}; it runs only at deploy time, copying the synthesized app into this bucket and invalidating this distribution.`;
    const stack = Stack.of(this);
    const nagName = (value: string, token: string) => (Token.isUnresolved(value) ? token : value);
    for (const child of stack.node.children) {
      if (!child.node.id.startsWith('Custom::CDKBucketDeployment')) continue;
      Validations.of(child).acknowledge(
        { id: 'AwsSolutions-L1', reason: reason('pins its own Python runtime') },
        {
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason: reason('writes only its own logs with the managed basic-execution policy'),
        },
        ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map((action) => ({
          id: `AwsSolutions-IAM5[Action::${action}]`,
          reason: reason(`is granted ${action} on the CDK asset bucket and this app bucket only`),
        })),
        {
          id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(this.bucket.node.defaultChild as CfnBucket)}.Arn>/*]`,
          reason: reason('writes every object of the app bucket'),
        },
        {
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-${nagName(stack.account, '<AWS::AccountId>')}-${nagName(stack.region, '<AWS::Region>')}/*]`,
          reason: reason('reads the synthesized app from the CDK asset bucket'),
        },
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: reason(
            'creates and reads CloudFront invalidations, which support no resource-level permissions',
          ),
        },
      );
    }
    return deployment;
  }
}

/** Names the distribution's origin access control (created by `S3BucketOrigin`, which takes no name). */
function nameOriginAccessControl(distribution: Distribution, name: string): void {
  const controls = distribution.node.findAll().filter((child) => child instanceof CfnOriginAccessControl);
  if (controls.length !== 1) throw new Error(`Expected one origin access control, found ${controls.length}`);
  (controls[0] as CfnOriginAccessControl).addPropertyOverride('OriginAccessControlConfig.Name', name);
}
