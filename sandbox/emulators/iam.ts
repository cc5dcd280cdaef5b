import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from './http-api/sigv4.ts';
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

interface RoleCaller {
  readonly credentials: FunctionCredentials;
  readonly roleId: string;
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session>`. */
  readonly principal: string;
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
  private readonly callers = new Map<string, RoleCaller>();

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
      this.callers.set(accessKeyId, {
        credentials: this.credentials.get(functionId) as FunctionCredentials,
        roleId,
        principal: this.sessionArn(roleId, functionId),
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
   * Authorizes a signed request at a service front: the access key in its SigV4 Authorization header
   * names the function. Requests signed with keys the sandbox did not issue (callers outside the template, demos, tests)
   * are outside the stack and pass, as with any valid credentials today.
   */
  async authorizeSigned(
    headers: IncomingHttpHeaders,
    requests: readonly AuthorizationRequest[],
  ): Promise<Denial | undefined> {
    const accessKeyId = accessKeyOf(headers);
    const caller = accessKeyId ? this.callers.get(accessKeyId) : undefined;
    if (!caller) return undefined;
    for (const request of requests) {
      const denial = await this.authorizeRole(caller.roleId, caller.principal, request);
      if (denial) return denial;
    }
    return undefined;
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

  /**
   * Whether a request signed with a function's access key carries a valid SigV4 signature for that key's
   * secret and session token (recomputed over the headers it signed and its body). Other keys: true.
   */
  async signatureValid(request: IncomingMessage, body: Buffer): Promise<boolean> {
    const authorization = String(request.headers.authorization ?? '');
    const accessKeyId = accessKeyOf(request.headers);
    const caller = accessKeyId ? this.callers.get(accessKeyId) : undefined;
    if (!caller) return true;
    const [, date, region, service] =
      /Credential=[^/]+\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization) ?? [];
    const signedHeaders = /SignedHeaders=([^,\s]+)/.exec(authorization)?.[1]?.split(';') ?? [];
    const signature = /Signature=([0-9a-f]+)/.exec(authorization)?.[1] ?? '';
    const amzDate = String(request.headers['x-amz-date'] ?? '');
    if (!date || !region || !service || !amzDate.startsWith(date)) {
      this.log.line('iam', `InvalidSignature ${caller.principal} (malformed credential scope or date)`);
      return false;
    }
    const url = new URL(request.url ?? '/', `http://${request.headers.host ?? '127.0.0.1'}`);
    const headers = Object.fromEntries(
      signedHeaders.map((name) => [name, [request.headers[name] ?? ''].flat().join(',')]),
    );
    const signer = new SignatureV4({
      credentials: {
        accessKeyId: caller.credentials.AWS_ACCESS_KEY_ID,
        secretAccessKey: caller.credentials.AWS_SECRET_ACCESS_KEY,
        sessionToken: caller.credentials.AWS_SESSION_TOKEN,
      },
      region,
      service,
      sha256: NodeSha256,
      applyChecksum: false,
    });
    const signed = await signer.sign(
      {
        method: request.method ?? 'POST',
        protocol: 'http:',
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers,
        body,
      },
      {
        signingDate: new Date(
          amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
        ),
      },
    );
    const expected = /Signature=([0-9a-f]+)/.exec(String(signed.headers.authorization ?? ''))?.[1] ?? '';
    const valid =
      expected.length === signature.length && timingSafeEqual(Buffer.from(expected), Buffer.from(signature));
    if (!valid) this.log.line('iam', `InvalidSignature ${caller.principal} ${service}`);
    return valid;
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

/** What AWS says when a signature does not match (InvalidSignatureException / SignatureDoesNotMatch). */
export const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/** The access key id in a SigV4 `Authorization` header (or presigned `X-Amz-Credential`). */
function accessKeyOf(headers: IncomingHttpHeaders): string | undefined {
  const authorization = String(headers.authorization ?? '');
  return /Credential=([^/]+)\//.exec(authorization)?.[1];
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
