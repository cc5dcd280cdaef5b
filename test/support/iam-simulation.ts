import { runSimulation } from '@cloud-copilot/iam-simulate';
import { identityPolicies, resourcePolicies } from '../../sandbox/emulators/iam-policies.ts';
import type { TemplateResolver } from '../../sandbox/emulators/template.ts';

/** One request to simulate: who asks (their policies), what, on which resource, with which condition keys. */
export interface SimulatedRequest {
  /** The caller's ARN (an assumed-role session). */
  readonly principal: string;
  readonly identityPolicies: readonly { readonly name: string; readonly policy: unknown }[];
  /** The resource's own policy (a KMS key policy), if it has one. */
  readonly resourcePolicy?: unknown;
  readonly action: string;
  readonly resource: string;
  readonly accountId: string;
  /** Condition keys the service sets for the request; multi-valued keys as arrays. */
  readonly context?: Record<string, string | string[]>;
}

/**
 * AWS's decision (`Allowed`, `ImplicitlyDenied`, `ExplicitlyDenied`) for one request, evaluated by
 * @cloud-copilot/iam-simulate with AWS's service reference (KMS's key-policy trust included).
 */
export async function simulate(request: SimulatedRequest): Promise<string> {
  const result = await runSimulation(
    {
      identityPolicies: [...request.identityPolicies],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(request.resourcePolicy ? { resourcePolicy: request.resourcePolicy } : {}),
      request: {
        action: request.action,
        principal: request.principal,
        resource: { resource: request.resource, accountId: request.accountId },
        contextVariables: { ...request.context },
      },
    },
    {},
  );
  if (result.resultType !== 'single') throw new Error(`simulation failed: ${JSON.stringify(result)}`);
  return result.overallResult;
}

/** A template's roles and resources as the simulator takes them: policies resolved to plain ARNs. */
export function simulatorView(resolver: TemplateResolver) {
  const byRole = identityPolicies(resolver);
  const byResource = resourcePolicies(resolver);
  return {
    /** The identity policies attached to a role (logical id). */
    policiesOf: (roleId: string) => byRole.get(roleId) ?? [],
    /** The resource policy (key policy, queue policy) of a resource ARN. */
    resourcePolicyOf: (arn: string) => byResource.get(arn),
    /** A session of the role, as Lambda's credentials name it. */
    sessionOf: (roleId: string) =>
      `arn:aws:sts::${resolver.env.accountId}:assumed-role/${resolver.ref(roleId)}/session`,
  };
}
