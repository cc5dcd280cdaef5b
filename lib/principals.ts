import { Stack, Token } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/**
 * True unless `grantee` is known to belong to another account than `scope`'s stack: there an IAM grant
 * would be dropped silently (CDK cannot change another account's policies), so a resource policy must
 * let it in, or nothing can.
 */
export function inStackAccount(grantee: IGrantable, scope: Construct): boolean {
  const theirs = grantee.grantPrincipal.principalAccount;
  const own = Stack.of(scope).account;
  return theirs === undefined || Token.isUnresolved(theirs) || Token.isUnresolved(own) || theirs === own;
}
