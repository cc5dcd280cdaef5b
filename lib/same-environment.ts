import { type ResourceEnvironment, Stack, Token } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/** How a resource's environment differs from a stack's: the first of account and region that does. */
export interface EnvironmentMismatch {
  readonly part: 'account' | 'region';
  /** The stack's account or region. */
  readonly own: string;
  /** The resource's. */
  readonly theirs: string;
}

/**
 * The first of account and region in which `env` (an imported resource's) is known to differ from `scope`'s
 * stack; undefined when both match or either is a token.
 */
export function environmentMismatch(
  env: ResourceEnvironment,
  scope: Construct,
): EnvironmentMismatch | undefined {
  const stack = Stack.of(scope);
  for (const part of ['account', 'region'] as const) {
    const [own, theirs] = [stack[part], env[part]];
    if (!Token.isUnresolved(own) && !Token.isUnresolved(theirs) && own !== theirs)
      return { part, own, theirs };
  }
  return undefined;
}
