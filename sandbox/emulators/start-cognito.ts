import { AwsJsonError } from './aws-protocol.ts';
import { LocalJwtIssuer, type SignInSubject } from './http-api/jwt-issuer.ts';
import type { SandboxIam } from './iam.ts';
import type { TemplateResolver } from './template.ts';

/** What the user pools' issuers need: where they answer, who signs in, and how a trigger is invoked. */
export interface UserPoolOptions {
  readonly resolver: TemplateResolver;
  readonly iam: SandboxIam;
  /** Base URL of the AWS endpoint, where each issuer answers under `/cognito/<pool id>`. */
  readonly awsBase: string;
  readonly signInSubject?: SignInSubject;
  /** Invokes a template function (bound late: the handlers load after the issuers exist). */
  readonly invoke: (functionId: string, event: unknown) => Promise<unknown>;
}

/**
 * A local JWT issuer for each `AWS::Cognito::UserPool`, keyed by the issuer URL Cognito would have
 * (`https://cognito-idp.<region>.amazonaws.com/<pool id>`), with the pool's pre-token-generation trigger.
 */
export async function startCognito(options: UserPoolOptions): Promise<Map<string, LocalJwtIssuer>> {
  const { resolver, iam, awsBase } = options;
  const region = resolver.env.region;
  const issuers = new Map<string, LocalJwtIssuer>();
  for (const [poolId] of resolver.resourcesOfType('AWS::Cognito::UserPool')) {
    const clients = resolver
      .resourcesOfType('AWS::Cognito::UserPoolClient')
      .filter(
        ([, client]) => JSON.stringify(client.Properties?.UserPoolId) === JSON.stringify({ Ref: poolId }),
      )
      .map(([clientId]) => clientId);
    const trigger = resolver.resolve(resolver.resource(poolId).Properties?.LambdaConfig ?? {}) as {
      PreTokenGenerationConfig?: { LambdaArn: string; LambdaVersion: string };
    };
    const preTokenFunction = preTokenGenerationFunction(resolver, trigger.PreTokenGenerationConfig);
    const issuer = await LocalJwtIssuer.create({
      issuerUrl: `${awsBase}/cognito/${resolver.ref(poolId)}`,
      audience: clients[0] ?? poolId,
      userPoolId: resolver.ref(poolId),
      region,
      ...(options.signInSubject ? { signInSubject: options.signInSubject } : {}),
      // Cognito invokes the trigger as cognito-idp.amazonaws.com: the function's permission must allow this pool.
      ...(preTokenFunction
        ? {
            preTokenGeneration: async (event) => {
              const denial = await iam.authorizeService('cognito-idp.amazonaws.com', resolver.arn(poolId), {
                action: 'lambda:InvokeFunction',
                resource: resolver.arn(preTokenFunction),
              });
              if (denial)
                throw new AwsJsonError(
                  'UnexpectedLambdaException',
                  'PreTokenGeneration invocation failed due to error AccessDeniedException.',
                );
              return options.invoke(preTokenFunction, event);
            },
          }
        : {}),
    });
    issuers.set(`https://cognito-idp.${region}.amazonaws.com/${resolver.ref(poolId)}`, issuer);
  }
  return issuers;
}

/** The function of a pool's V2 pre-token-generation trigger; a V1 trigger is refused (the sandbox has none). */
function preTokenGenerationFunction(
  resolver: TemplateResolver,
  config: { LambdaArn: string; LambdaVersion: string } | undefined,
): string | undefined {
  if (!config) return undefined;
  if (config.LambdaVersion !== 'V2_0') {
    throw new Error(`Pre-token-generation trigger version ${config.LambdaVersion} is not emulated (V2_0 is)`);
  }
  const functionId = resolver.logicalIdOf(String(config.LambdaArn));
  if (!functionId) throw new Error('The pre-token-generation trigger names no template function');
  return functionId;
}
