import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import {
  ADMINISTRATOR_POLICY,
  type AuthenticationRefusal,
  authenticate,
  type Caller,
  type IssuedKey,
  signatureScopeOf,
} from './iam-authentication.ts';
import {
  arnTail,
  identityPolicies,
  type PolicyDocument,
  resourcePolicies,
  roleIdOf,
} from './iam-policies.ts';
import type { SandboxLog } from './log.ts';
import type { TemplateResolver } from './template.ts';

/** One authorization question: may the caller do `action` on `resource`, with these request context keys? */
export interface AuthorizationRequest {
  readonly action: string;
  readonly resource: string;
  /** Condition keys the service sets for this request; multi-valued keys as arrays. */
  readonly context?: Record<string, string | string[]>;
}

/** A refused request: who, what, on which resource, and the message in AWS's shape. */
export interface Denial {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  /** `User: <principal> is not authorized to perform: <action> on resource: <resource> because …`. */
  readonly message: string;
}

/** One evaluated request, allowed or not (tests map grants to the scenarios that use them). */
export interface Decision {
  /** The role whose policies decided, or undefined for a resource policy (service principal). */
  readonly roleId?: string;
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly sourceArn?: string;
  readonly allowed: boolean;
}

/** Lambda's role-session credentials of one function (what the sandbox puts in its environment). */
export interface FunctionCredentials {
  readonly AWS_ACCESS_KEY_ID: string;
  readonly AWS_SECRET_ACCESS_KEY: string;
  readonly AWS_SESSION_TOKEN: string;
}

/**
 * IAM as the template defines it: each function runs with its own role-session credentials, and every
 * request a function, state machine, rule or API route makes is evaluated with @cloud-copilot/iam-simulate
 * against the role's policies or the target's resource policy. A denial is logged with principal, action
 * and resource, and the caller gets the service's AccessDenied answer.
 */
export class SandboxIam {
  /** Holds the credentials of the function whose code is running (its own process environment on Lambda). */
  static readonly running = new AsyncLocalStorage<FunctionCredentials>();
  /** Every request evaluated so far, in order. */
  readonly decisions: Decision[] = [];
  private readonly policies: Map<string, { name: string; policy: PolicyDocument }[]>;
  private readonly resourcePolicyByArn: Map<string, PolicyDocument>;
  private readonly credentials = new Map<string, FunctionCredentials>();
  /** Every access key the sandbox issued: the functions' role sessions and the users added. */
  private readonly keys = new Map<string, IssuedKey>();

  constructor(
    private readonly resolver: TemplateResolver,
    private readonly log: SandboxLog,
  ) {
    this.policies = identityPolicies(resolver);
    this.resourcePolicyByArn = resourcePolicies(resolver);
    installProcessEnvironment();
    const secret = randomBytes(8).toString('hex');
    for (const [functionId, fn] of resolver.resourcesOfType('AWS::Lambda::Function')) {
      const roleArn = String(resolver.resolve(fn.Properties?.Role));
      const roleId = resolver.logicalIdOf(roleArn) ?? roleIdOf(fn.Properties?.Role) ?? arnTail(roleArn);
      const digest = createHash('sha256').update(`${functionId}:${secret}`).digest('hex').toUpperCase();
      const accessKeyId = `ASIA${digest
        .replace(/[^A-Z2-7]/g, '')
        .padEnd(16, 'A')
        .slice(0, 16)}`;
      this.credentials.set(functionId, {
        AWS_ACCESS_KEY_ID: accessKeyId,
        AWS_SECRET_ACCESS_KEY: createHash('sha256')
          .update(`secret:${accessKeyId}:${secret}`)
          .digest('base64'),
        AWS_SESSION_TOKEN: createHash('sha256').update(`token:${accessKeyId}:${secret}`).digest('base64'),
      });
      const issued = this.credentials.get(functionId) as FunctionCredentials;
      this.keys.set(accessKeyId, {
        secretAccessKey: issued.AWS_SECRET_ACCESS_KEY,
        sessionToken: issued.AWS_SESSION_TOKEN,
        caller: { kind: 'role', roleId, principal: this.sessionArn(roleId, functionId) },
      });
    }
  }

  /** The role-session credentials a function's environment carries. */
  credentialsOf(functionId: string): FunctionCredentials | undefined {
    return this.credentials.get(functionId);
  }

  /** The role a resource (function, state machine, rule target) uses, from its `Role`/`RoleArn` property. */
  roleOf(logicalId: string): string | undefined {
    const properties = this.resolver.resource(logicalId).Properties ?? {};
    const role = properties.Role ?? properties.RoleArn;
    if (role === undefined) return undefined;
    return roleIdOf(role) ?? this.resolver.logicalIdOf(String(this.resolver.resolve(role)));
  }

  /** The STS session ARN a role's session has, as AWS names it in AccessDenied messages. */
  sessionArn(roleId: string, sessionName: string): string {
    return `arn:aws:sts::${this.resolver.env.accountId}:assumed-role/${this.resolver.ref(roleId)}/${sessionName}`;
  }

  /**
   * Adds an IAM user outside the template (an administrator, a partner's backend) with its long-term
   * access key and its one identity policy.
   */
  addUser(user: {
    readonly userName: string;
    readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
    readonly policy: PolicyDocument;
  }): void {
    this.keys.set(user.credentials.accessKeyId, {
      secretAccessKey: user.credentials.secretAccessKey,
      caller: {
        kind: 'user',
        userName: user.userName,
        principal: `arn:aws:iam::${this.resolver.env.accountId}:user/${user.userName}`,
        policy: user.policy,
      },
    });
  }

  /**
   * Authenticates a request as AWS does before reading any policy (see {@link authenticate}): a known
   * key, its own session token, a fresh date and a matching signature. A refusal is logged.
   */
  async authenticate(
    request: IncomingMessage,
    body: Buffer,
  ): Promise<{ readonly caller: Caller } | AuthenticationRefusal> {
    const result = await authenticate(request, body, (accessKeyId) => this.keys.get(accessKeyId));
    if ('failure' in result) {
      const scope = signatureScopeOf(request);
      const who = scope ? (this.keys.get(scope.accessKeyId)?.caller.principal ?? scope.accessKeyId) : '';
      this.log.line('iam', `${result.failure} ${who} ${scope?.service ?? ''}`.replace(/\s+$/, ''));
    }
    return result;
  }

  /**
   * Authorizes an authenticated caller's requests: a role against its template policies (and the
   * resource's own policy), a user against its identity policy; the first denial, logged, if any.
   */
  async authorizeCaller(
    caller: Caller,
    requests: readonly AuthorizationRequest[],
  ): Promise<Denial | undefined> {
    for (const request of requests) {
      const denial =
        caller.kind === 'role'
          ? await this.authorizeRole(caller.roleId, caller.principal, request)
          : await this.authorizeUser(caller, request);
      if (denial) return denial;
    }
    return undefined;
  }

  /** The caller an access key the sandbox issued belongs to; undefined for any other key. */
  callerOf(accessKeyId: string): Caller | undefined {
    return this.keys.get(accessKeyId)?.caller;
  }

  /**
   * Whether EventBridge may put a rule's undeliverable event on the target's dead-letter queue: the
   * queue policy must allow `sqs:SendMessage` to events.amazonaws.com for that rule, else AWS drops it.
   */
  async deadLetterAllowed(ruleArn: string, queueArn: string): Promise<boolean> {
    return !(await this.authorizeService('events.amazonaws.com', ruleArn, {
      action: 'sqs:SendMessage',
      resource: queueArn,
    }));
  }

  /** A user's request against its identity policy; an administrator's is allowed without evaluation. */
  private async authorizeUser(
    caller: Extract<Caller, { kind: 'user' }>,
    request: AuthorizationRequest,
  ): Promise<Denial | undefined> {
    if (caller.policy === ADMINISTRATOR_POLICY) return undefined;
    const result = await this.simulate({
      identityPolicies: [{ name: caller.userName, policy: caller.policy }],
      principal: caller.principal,
      request,
    });
    return this.decided(result, { principal: caller.principal, request }, 'an identity-based');
  }

  /** Evaluates `request` against every identity policy of a role; returns the denial, logged, if any. */
  async authorizeRole(
    roleId: string,
    principal: string,
    request: AuthorizationRequest,
  ): Promise<Denial | undefined> {
    // The resource's own policy (a KMS key policy, a Lambda permission) counts too, as in one account on AWS.
    const resourcePolicy = this.resourcePolicyByArn.get(request.resource);
    const result = await this.simulate({
      identityPolicies: this.policies.get(roleId) ?? [],
      ...(resourcePolicy ? { resourcePolicy } : {}),
      principal,
      request,
    });
    return this.decided(result, { roleId, principal, request }, 'an identity-based');
  }

  /**
   * Evaluates a service principal's call (events.amazonaws.com, apigateway.amazonaws.com) against the
   * resource policy of the resource it calls (Lambda permissions, queue policies), with `aws:SourceArn`.
   */
  async authorizeService(
    service: string,
    sourceArn: string,
    request: AuthorizationRequest,
  ): Promise<Denial | undefined> {
    const context = {
      ...request.context,
      'aws:SourceArn': sourceArn,
      'aws:SourceAccount': this.resolver.env.accountId,
      'aws:SecureTransport': 'true',
    };
    const policy = this.resourcePolicyByArn.get(request.resource);
    const result = policy
      ? await this.simulate({
          identityPolicies: [],
          resourcePolicy: policy,
          principal: service,
          request: { ...request, context },
        })
      : 'ImplicitlyDenied';
    return this.decided(
      result,
      { principal: service, request: { ...request, context }, sourceArn },
      'a resource-based',
    );
  }

  /** Records a decision; when `result` is no Allow, the denial (logged) naming the kind of policy that decided. */
  private decided(
    result: string,
    asked: {
      readonly principal: string;
      readonly request: AuthorizationRequest;
      readonly roleId?: string;
      readonly sourceArn?: string;
    },
    policy: 'an identity-based' | 'a resource-based',
  ): Denial | undefined {
    const { principal, request } = asked;
    this.decisions.push({
      ...(asked.roleId === undefined ? {} : { roleId: asked.roleId }),
      principal,
      action: request.action,
      resource: request.resource,
      ...(asked.sourceArn === undefined ? {} : { sourceArn: asked.sourceArn }),
      allowed: result === 'Allowed',
    });
    if (result === 'Allowed') return undefined;
    const kind = policy.replace(/^an? /, '');
    const why =
      result === 'ExplicitlyDenied'
        ? `with an explicit deny in ${policy} policy`
        : `because no ${kind} policy allows the ${request.action} action`;
    return this.deny(principal, request, why);
  }

  private async simulate(input: {
    identityPolicies: { name: string; policy: PolicyDocument }[];
    resourcePolicy?: PolicyDocument;
    principal: string;
    request: AuthorizationRequest;
  }): Promise<string> {
    const { request } = input;
    const result = await runSimulation(
      {
        identityPolicies: input.identityPolicies,
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(input.resourcePolicy ? { resourcePolicy: input.resourcePolicy } : {}),
        request: {
          action: request.action,
          principal: input.principal,
          resource: { resource: request.resource, accountId: this.resolver.env.accountId },
          contextVariables: request.context ?? {},
        },
      },
      {},
    );
    if (result.resultType === 'error') {
      this.log.line(
        'iam',
        `could not evaluate ${request.action} on ${request.resource}: ${result.errors.message}`,
      );
      return 'ImplicitlyDenied';
    }
    if (result.resultType === 'single') return result.overallResult;
    return 'ImplicitlyDenied';
  }

  private deny(principal: string, request: AuthorizationRequest, why: string): Denial {
    const message = `User: ${principal} is not authorized to perform: ${request.action} on resource: ${request.resource} ${why}`;
    this.log.line('iam', `AccessDenied ${principal} ${request.action} ${request.resource}`);
    return { principal, action: request.action, resource: request.resource, message };
  }
}

const CREDENTIAL_KEYS = new Set(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']);
let installed = false;

/**
 * Every handler shares this process, so `process.env` answers the credential variables of the function
 * whose code is running (as each Lambda's own environment would). The credentials expire within the
 * SDK's refresh window, so a client shared by two functions' modules re-reads them on every call.
 */
function installProcessEnvironment(): void {
  if (installed) return;
  installed = true;
  const environment = process.env;
  process.env = new Proxy(environment, {
    get(target, key) {
      const running = SandboxIam.running.getStore();
      if (running && typeof key === 'string') {
        if (CREDENTIAL_KEYS.has(key)) return running[key as keyof FunctionCredentials];
        if (key === 'AWS_CREDENTIAL_EXPIRATION') return new Date(Date.now() + 60_000).toISOString();
      }
      return Reflect.get(target, key);
    },
    // Writes go to the real environment (a proxy receiver would turn them into refused defineProperty calls).
    set(target, key, value) {
      return Reflect.set(target, key, value);
    },
  });
}
