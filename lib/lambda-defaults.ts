import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, type CfnFunction, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** Metadata key naming a function's handler source, relative to the repo root (the sandbox reads it). */
export const HANDLER_SOURCE_METADATA = 'SecureDelivery:HandlerSource';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Props for {@link SecureDeliveryFunction}: any NodejsFunction prop, plus the handler folder's name. */
export interface SecureDeliveryFunctionProps extends Omit<NodejsFunctionProps, 'entry'> {
  /** Folder under `lambdas/` holding `handler.ts`, e.g. `verify-otp`. */
  readonly handlerName: string;
  /**
   * Days to keep the function's logs.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * What happens to the function's log group when the stack is deleted.
   * @default RemovalPolicy.DESTROY
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * The one place for Lambda defaults: Node.js 24 on arm64, X-Ray tracing, JSON logs in an owned log group,
 * minified ESM bundles built by the local esbuild. Caller settings win; environment and bundling merge.
 */
export class SecureDeliveryFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: SecureDeliveryFunctionProps) {
    const { handlerName, logRetention, logRemovalPolicy, environment, bundling, ...rest } = props;
    const source = `lambdas/${handlerName}/handler.ts`;
    const logGroup =
      rest.logGroup ??
      new LogGroup(scope, `${id}Logs`, {
        retention: logRetention ?? RetentionDays.ONE_MONTH,
        removalPolicy: logRemovalPolicy ?? RemovalPolicy.DESTROY,
      });
    // An own role instead of the managed basic-execution policy: logs go to this function's group only.
    const role =
      rest.role ?? new Role(scope, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    if (!rest.role) {
      role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          // A log group's Arn attribute already ends in `:*`, covering its streams.
          resources: [logGroup.logGroupRef.logGroupArn],
        }),
      );
    }
    super(scope, id, {
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      tracing: Tracing.ACTIVE,
      memorySize: 256,
      timeout: Duration.seconds(10),
      loggingFormat: LoggingFormat.JSON,
      ...rest,
      logGroup,
      role,
      entry: `${REPO_ROOT}${source}`,
      projectRoot: REPO_ROOT,
      depsLockFilePath: `${REPO_ROOT}package-lock.json`,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: handlerName,
        POWERTOOLS_METRICS_NAMESPACE: 'SecureDelivery',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        minify: true,
        sourceMap: true,
        target: 'node24',
        mainFields: ['module', 'main'],
        // ESM bundles of CommonJS dependencies still call require().
        banner: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);",
        ...bundling,
      },
    });
    (this.node.defaultChild as CfnFunction).addMetadata(HANDLER_SOURCE_METADATA, source);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.',
    });
  }
}
