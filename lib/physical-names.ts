import { createHash } from 'node:crypto';
import { Stack, Token } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/** Options of {@link stackScopedName}. */
export interface StackScopedNameOptions {
  /** The service's limit on the name's length. */
  readonly maxLength: number;
  /**
   * Add the Region: for a service whose names are unique per account across Regions (CloudFront).
   * @default false
   */
  readonly global?: boolean;
}

/**
 * A physical name unique per stack (and per Region where the service is global): `<stack>[-<path>][-<what>][-<region>]`,
 * the path being the construct's below the stack without CDK's hidden `Default` ids (two constructs in one
 * stack differ). Too long, the stack and path part is cut and a hash of the whole name keeps it unique.
 */
export function stackScopedName(scope: Construct, what: string, options: StackScopedNameOptions): string {
  const stack = Stack.of(scope);
  // Letters, digits and hyphens: what every service here accepts in a name.
  const clean = (text: string) => text.replace(/[^A-Za-z0-9-]+/g, '-');
  const below = scope.node.scopes
    .slice(scope.node.scopes.indexOf(stack) + 1)
    .map((construct) => construct.node.id)
    .filter((id) => id !== 'Default');
  const region = options.global ? stack.region : undefined;
  // A Region token (an environment-agnostic stack) resolves to at most 14 characters (ap-southeast-4).
  const regionLength = region === undefined ? 0 : Token.isUnresolved(region) ? 15 : region.length + 1;
  const head = clean([stack.stackName, ...below].join('-'));
  const tail = what === '' ? '' : `-${clean(what)}`;
  const room = options.maxLength - tail.length - regionLength;
  const fitted = head.length <= room ? head : `${head.slice(0, room - 9)}-${hashOf(head).slice(0, 8)}`;
  return `${fitted}${tail}${region === undefined ? '' : `-${region}`}`;
}

/**
 * The drivers' managed-login domain prefix when none is set: unique per account, Region, stack and construct
 * (`<stack>-drivers-<8 hex of their hash>`), since a prefix is one name across every AWS customer in a Region.
 * Needs the stack's account and Region; undefined for an environment-agnostic stack.
 */
export function derivedLoginDomainPrefix(scope: Construct): string | undefined {
  const { account, region, stackName } = Stack.of(scope);
  if (Token.isUnresolved(account) || Token.isUnresolved(region)) return undefined;
  // Cognito's rule: lowercase letters, digits and hyphens, and none of aws, amazon, cognito.
  const slug =
    stackName
      .toLowerCase()
      .replace(/aws|amazon|cognito/g, '')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40)
      .replace(/-+$/, '') || 'secure-delivery';
  return `${slug}-drivers-${hashOf(`${account}/${region}/${scope.node.path}`).slice(0, 8)}`;
}

function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
