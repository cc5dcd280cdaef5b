/**
 * Template helpers for the IAM tests: the granting statements a synthesized template holds, and copies
 * of it without one of them.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HANDLER_SOURCE_METADATA } from '../../lib/lambda-defaults.ts';
import type { SandboxPorts } from '../../sandbox/app/sandbox.ts';
import type { Template, TemplateResource } from '../../sandbox/emulators/template.ts';

/** One statement that grants an AWS action to a function, state machine or rule. */
export interface Grant {
  /** `AWS::IAM::Policy` / role (inline policy) / `AWS::Lambda::Permission` logical id. */
  readonly resourceId: string;
  /** Index in the policy's Statement list; undefined for a Lambda permission (the whole resource). */
  readonly index?: number;
  /** The role whose policy holds it; undefined for a resource policy. */
  readonly roleId?: string;
  readonly actions: readonly string[];
  /** For a Lambda permission: the service principal it allows. */
  readonly servicePrincipal?: string;
  /** For a Lambda permission: the function it allows invoking (logical id). */
  readonly functionId?: string;
  /** A short label for test output. */
  readonly label: string;
}

type Statement = { Effect?: string; Action?: string | string[] };
type KeyStatement = Statement & { Principal?: { AWS?: unknown } };

const asList = (value: unknown): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)];

const refId = (value: unknown): string | undefined => {
  if (typeof value !== 'object' || value === null) return undefined;
  if ('Ref' in value) return String((value as { Ref: unknown }).Ref);
  const getAtt = (value as { 'Fn::GetAtt'?: unknown })['Fn::GetAtt'];
  return Array.isArray(getAtt) ? String(getAtt[0]) : undefined;
};

/**
 * Roles the sandbox runs something as: functions it runs (handler metadata), state machines, rule
 * targets and pipes. Roles of CDK's own custom resources never run locally.
 */
function rolesInUse(template: Template): Set<string> {
  const roles = new Set<string>();
  for (const resource of Object.values(template.Resources)) {
    const properties = resource.Properties ?? {};
    const runsLocally =
      (resource.Type === 'AWS::Lambda::Function' &&
        typeof resource.Metadata?.[HANDLER_SOURCE_METADATA] === 'string') ||
      resource.Type === 'AWS::StepFunctions::StateMachine' ||
      resource.Type === 'AWS::Pipes::Pipe';
    if (runsLocally) {
      const role = refId(properties.Role ?? properties.RoleArn);
      if (role) roles.add(role);
    }
    if (resource.Type === 'AWS::Events::Rule') {
      for (const target of (properties.Targets ?? []) as { RoleArn?: unknown }[]) {
        const role = refId(target.RoleArn);
        if (role) roles.add(role);
      }
    }
  }
  return roles;
}

/**
 * Every Allow statement in the policies (`AWS::IAM::Policy`, inline `Policies`) of a role the sandbox
 * runs something as, every key policy statement naming such a role, and every Lambda permission.
 */
export function grantsOf(template: Template): Grant[] {
  const grants: Grant[] = [];
  const inUse = rolesInUse(template);
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type === 'AWS::IAM::Policy') {
      const properties = resource.Properties ?? {};
      const roleIds = asList(properties.Roles).length
        ? ((properties.Roles as unknown[]).map(refId).filter((role) => role && inUse.has(role)) as string[])
        : [];
      const statements = (properties.PolicyDocument as { Statement: Statement[] }).Statement;
      statements.forEach((statement, index) => {
        if (statement.Effect !== 'Allow') return;
        for (const roleId of roleIds)
          grants.push({
            resourceId: id,
            index,
            roleId,
            actions: asList(statement.Action),
            label: `${roleId} ${asList(statement.Action).join(',')}`,
          });
      });
    }
    if (resource.Type === 'AWS::IAM::Role' && inUse.has(id)) {
      for (const [policyIndex, inline] of (
        (resource.Properties?.Policies ?? []) as {
          PolicyDocument: { Statement: Statement[] };
        }[]
      ).entries()) {
        inline.PolicyDocument.Statement.forEach((statement, index) => {
          if (statement.Effect !== 'Allow') return;
          grants.push({
            resourceId: id,
            index: policyIndex * 1000 + index,
            roleId: id,
            actions: asList(statement.Action),
            label: `${id} inline ${asList(statement.Action).join(',')}`,
          });
        });
      }
    }
    // A key policy statement naming a role (the code hash key's users): a grant only the key policy gives.
    if (resource.Type === 'AWS::KMS::Key') {
      const statements =
        (resource.Properties?.KeyPolicy as { Statement: KeyStatement[] } | undefined)?.Statement ?? [];
      statements.forEach((statement, index) => {
        if (statement.Effect !== 'Allow') return;
        for (const roleId of [statement.Principal?.AWS ?? []].flat().map(refId)) {
          if (!roleId || !inUse.has(roleId)) continue;
          grants.push({
            resourceId: id,
            index,
            roleId,
            actions: asList(statement.Action),
            label: `${roleId} key policy ${asList(statement.Action).join(',')}`,
          });
        }
      });
    }
    if (resource.Type === 'AWS::Lambda::Permission') {
      const functionId = refId(resource.Properties?.FunctionName);
      grants.push({
        resourceId: id,
        actions: asList(resource.Properties?.Action),
        servicePrincipal: String(resource.Properties?.Principal),
        ...(functionId ? { functionId } : {}),
        label: `${String(resource.Properties?.Principal)} -> ${functionId} (${id})`,
      });
    }
  }
  return grants;
}

/** A deep copy of `template` without `grant`'s statement (or, for a Lambda permission, without the resource). */
export function withoutGrant(template: Template, grant: Grant): Template {
  const copy = structuredClone(template) as { Resources: Record<string, TemplateResource> };
  if (grant.index === undefined) {
    delete copy.Resources[grant.resourceId];
    return copy;
  }
  const resource = copy.Resources[grant.resourceId] as TemplateResource;
  const properties = resource.Properties as Record<string, unknown>;
  if (resource.Type === 'AWS::IAM::Role') {
    const policies = properties.Policies as { PolicyDocument: { Statement: unknown[] } }[];
    const policy = policies[Math.floor(grant.index / 1000)];
    policy?.PolicyDocument.Statement.splice(grant.index % 1000, 1);
  } else if (resource.Type === 'AWS::KMS::Key') {
    (properties.KeyPolicy as { Statement: unknown[] }).Statement.splice(grant.index, 1);
  } else {
    (properties.PolicyDocument as { Statement: unknown[] }).Statement.splice(grant.index, 1);
  }
  return copy;
}

/** A copy of `template` without every Allow statement of `roleId` granting `action`. */
export function withoutAction(template: Template, roleId: string, action: string): Template {
  let copy = template;
  const matching = grantsOf(template)
    .filter((grant) => grant.roleId === roleId && grant.actions.includes(action))
    .sort((a, b) => (b.index ?? 0) - (a.index ?? 0));
  for (const grant of matching) copy = withoutGrant(copy, grant);
  if (matching.length === 0) throw new Error(`${roleId} has no statement granting ${action}`);
  return copy;
}

/** The execution role of the function whose handler source matches `source`. */
export function roleOfFunction(template: Template, source: RegExp): { functionId: string; roleId: string } {
  for (const [functionId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const handler = Object.values(resource.Metadata ?? {}).find(
      (value) => typeof value === 'string' && source.test(value),
    );
    const roleId = refId(resource.Properties?.Role);
    if (handler && roleId) return { functionId, roleId };
  }
  throw new Error(`No function with a handler matching ${source}`);
}

/** Four free loopback ports, to reuse across sandboxes booted one after another in one file. */
export async function freePorts(): Promise<SandboxPorts> {
  const one = async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    return port;
  };
  return { api: await one(), aws: await one() };
}
