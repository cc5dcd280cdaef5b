import type { TemplateResolver } from './template.ts';

/** An IAM policy document. */
export type PolicyDocument = { Version?: string; Statement: unknown[] };

/** Identity policies, by role logical id, from `AWS::IAM::Policy`, inline `Policies` and managed policies. */
export function identityPolicies(
  resolver: TemplateResolver,
): Map<string, { name: string; policy: PolicyDocument }[]> {
  const byRole = new Map<string, { name: string; policy: PolicyDocument }[]>();
  const add = (roleId: string, name: string, policy: PolicyDocument) => {
    const list = byRole.get(roleId) ?? [];
    list.push({ name, policy });
    byRole.set(roleId, list);
  };
  for (const [roleId, role] of resolver.resourcesOfType('AWS::IAM::Role')) {
    byRole.set(roleId, byRole.get(roleId) ?? []);
    const properties = role.Properties ?? {};
    for (const inline of (properties.Policies ?? []) as { PolicyName: unknown; PolicyDocument: unknown }[])
      add(
        roleId,
        String(resolver.resolve(inline.PolicyName)),
        resolver.resolve(inline.PolicyDocument) as PolicyDocument,
      );
    for (const managed of (properties.ManagedPolicyArns ?? []) as unknown[]) {
      const arn = String(resolver.resolve(managed));
      const managedId = resolver.logicalIdOf(arn) ?? arnTail(arn);
      const resource = resolver.template.Resources[managedId];
      // Customer-managed policies from the template count; AWS-managed ones hold only logs/X-Ray grants here.
      if (resource?.Type === 'AWS::IAM::ManagedPolicy')
        add(roleId, managedId, resolver.resolve(resource.Properties?.PolicyDocument) as PolicyDocument);
    }
  }
  for (const [policyId, policy] of resolver.resourcesOfType('AWS::IAM::Policy')) {
    const document = resolver.resolve(policy.Properties?.PolicyDocument) as PolicyDocument;
    for (const role of (policy.Properties?.Roles ?? []) as unknown[]) {
      const roleId = logicalIdOfRef(role) ?? String(resolver.resolve(role));
      add(roleId, policyId, document);
    }
  }
  for (const [policyId, policy] of resolver.resourcesOfType('AWS::IAM::ManagedPolicy')) {
    const document = resolver.resolve(policy.Properties?.PolicyDocument) as PolicyDocument;
    for (const role of (policy.Properties?.Roles ?? []) as unknown[])
      add(logicalIdOfRef(role) ?? String(resolver.resolve(role)), policyId, document);
  }
  return byRole;
}

function logicalIdOfRef(value: unknown): string | undefined {
  if (typeof value === 'object' && value !== null && 'Ref' in value)
    return String((value as { Ref: unknown }).Ref);
  return undefined;
}

export function arnTail(arn: string): string {
  return arn.split(/[:/]/).pop() ?? arn;
}

/** Resource policies by resource ARN: `AWS::Lambda::Permission` (one statement each), key, queue and topic policies. */
export function resourcePolicies(resolver: TemplateResolver): Map<string, PolicyDocument> {
  const byArn = new Map<string, PolicyDocument>();
  const add = (arn: string, statements: unknown[]) => {
    const policy = byArn.get(arn) ?? { Version: '2012-10-17', Statement: [] };
    policy.Statement.push(...statements);
    byArn.set(arn, policy);
  };
  for (const [permissionId, permission] of resolver.resourcesOfType('AWS::Lambda::Permission')) {
    const p = resolver.resolve(permission.Properties ?? {}) as {
      Action: string;
      FunctionName: string;
      Principal: string;
      SourceArn?: string;
      SourceAccount?: string;
    };
    const functionId = resolver.logicalIdOf(p.FunctionName) ?? p.FunctionName;
    const functionArn = resolver.arn(functionId);
    const conditions: Record<string, Record<string, string>> = {};
    if (p.SourceArn) conditions.ArnLike = { 'AWS:SourceArn': p.SourceArn };
    if (p.SourceAccount) conditions.StringEquals = { 'AWS:SourceAccount': p.SourceAccount };
    add(functionArn, [
      {
        Sid: permissionId,
        Effect: 'Allow',
        Principal: p.Principal.endsWith('.amazonaws.com') ? { Service: p.Principal } : { AWS: p.Principal },
        Action: p.Action,
        Resource: functionArn,
        ...(Object.keys(conditions).length > 0 ? { Condition: conditions } : {}),
      },
    ]);
  }
  for (const [keyId, key] of resolver.resourcesOfType('AWS::KMS::Key')) {
    const keyPolicy = resolver.resolve(key.Properties?.KeyPolicy) as PolicyDocument | undefined;
    if (keyPolicy?.Statement) add(resolver.arn(keyId), keyPolicy.Statement);
  }
  for (const [, queuePolicy] of resolver.resourcesOfType('AWS::SQS::QueuePolicy')) {
    const p = resolver.resolve(queuePolicy.Properties ?? {}) as {
      PolicyDocument: PolicyDocument;
      Queues: string[];
    };
    for (const queueUrl of p.Queues) {
      const queueId = resolver.logicalIdOf(queueUrl);
      if (queueId) add(resolver.arn(queueId), p.PolicyDocument.Statement);
    }
  }
  for (const [, topicPolicy] of resolver.resourcesOfType('AWS::SNS::TopicPolicy')) {
    const p = resolver.resolve(topicPolicy.Properties ?? {}) as {
      PolicyDocument: PolicyDocument;
      Topics: string[];
    };
    for (const topicArn of p.Topics) add(topicArn, p.PolicyDocument.Statement);
  }
  return byArn;
}

/** The logical id of the role a function's `Role` names (`Fn::GetAtt` or `Ref`). */
export function roleIdOf(role: unknown): string | undefined {
  if (typeof role !== 'object' || role === null) return undefined;
  const getAtt = (role as { 'Fn::GetAtt'?: unknown })['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return String(getAtt[0]);
  return logicalIdOfRef(role);
}
