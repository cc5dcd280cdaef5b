import type { IncomingMessage } from 'node:http';
import type { AwsProtocol } from './aws-protocol.ts';
import { signatureScopeOf } from './iam-authentication.ts';

/** A service the one AWS endpoint answers, and how AWS recognises and frames its requests. */
export interface EmulatedService {
  /** Its name, as the docs and the error for other services name it. */
  readonly name: string;
  /** The service in a SigV4 credential scope (`Credential=<key>/<date>/<region>/<service>/aws4_request`). */
  readonly signingName: string;
  /** The `X-Amz-Target` prefix of its JSON-protocol operations (`DynamoDB_20120810.ListTables`). */
  readonly targetPrefix?: string;
  /** The prefix of its IAM actions. */
  readonly iamPrefix: string;
  readonly protocol: AwsProtocol;
}

/** Every service the sandbox emulates behind the one AWS endpoint. */
export const EMULATED_SERVICES: readonly EmulatedService[] = [
  {
    name: 'DynamoDB',
    signingName: 'dynamodb',
    targetPrefix: 'DynamoDB_20120810',
    iamPrefix: 'dynamodb',
    protocol: 'json-1.0',
  },
  {
    name: 'DynamoDB Streams',
    signingName: 'dynamodb',
    targetPrefix: 'DynamoDBStreams_20120810',
    iamPrefix: 'dynamodb',
    protocol: 'json-1.0',
  },
  { name: 'SES (v1 and v2)', signingName: 'ses', iamPrefix: 'ses', protocol: 'query' },
  {
    name: 'EventBridge',
    signingName: 'events',
    targetPrefix: 'AWSEvents',
    iamPrefix: 'events',
    protocol: 'json-1.1',
  },
  {
    name: 'Step Functions',
    signingName: 'states',
    targetPrefix: 'AWSStepFunctions',
    iamPrefix: 'states',
    protocol: 'json-1.0',
  },
  { name: 'KMS', signingName: 'kms', targetPrefix: 'TrentService', iamPrefix: 'kms', protocol: 'json-1.1' },
  {
    name: 'Secrets Manager',
    signingName: 'secretsmanager',
    targetPrefix: 'secretsmanager',
    iamPrefix: 'secretsmanager',
    protocol: 'json-1.1',
  },
  {
    name: 'End User Messaging SMS',
    signingName: 'sms-voice',
    targetPrefix: 'PinpointSMSVoiceV2',
    iamPrefix: 'sms-voice',
    protocol: 'json-1.0',
  },
  {
    name: 'Cognito user pools',
    signingName: 'cognito-idp',
    targetPrefix: 'AWSCognitoIdentityProviderService',
    iamPrefix: 'cognito-idp',
    protocol: 'json-1.1',
  },
  { name: 'STS', signingName: 'sts', iamPrefix: 'sts', protocol: 'query' },
];

/** How the endpoint reads one request, as AWS routes it. */
export type AwsRequestKind =
  /** A JSON-protocol operation (`X-Amz-Target`) of an emulated service. */
  | { readonly kind: 'json'; readonly service: EmulatedService; readonly target: string }
  /** SES: v1 (query protocol, `POST /` with `Action`) or v2 (REST-JSON under `/v2/email/`). */
  | { readonly kind: 'ses'; readonly version: 'v1' | 'v2' }
  /** STS's query protocol (`GetCallerIdentity`). */
  | { readonly kind: 'sts' }
  /** A request for a service the sandbox does not emulate, in the protocol it seems to speak. */
  | { readonly kind: 'other-service'; readonly service: string; readonly protocol: AwsProtocol }
  /** Unsigned and naming no operation: the sandbox's own pages, the email store, the Cognito issuers. */
  | { readonly kind: 'route' };

const isForm = (request: IncomingMessage) =>
  String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');

/** The protocol a request for an unknown service seems to speak, from its framing. */
function protocolOf(request: IncomingMessage): AwsProtocol {
  const contentType = String(request.headers['content-type'] ?? '');
  if (request.headers['x-amz-target'] !== undefined)
    return contentType.includes('1.0') ? 'json-1.0' : 'json-1.1';
  if (isForm(request)) return 'query';
  if (contentType.includes('json')) return 'rest-json';
  return 'rest-xml';
}

/**
 * Routes a request as AWS's endpoints would tell services apart: the `X-Amz-Target` prefix first, then
 * the service in the SigV4 credential scope (SES's and STS's query actions, SES v2's paths); an unsigned
 * request without either is one of the sandbox's own routes.
 */
export function classifyAwsRequest(request: IncomingMessage): AwsRequestKind {
  const target = request.headers['x-amz-target'];
  const scope = signatureScopeOf(request);
  if (typeof target === 'string' && target !== '') {
    const prefix = target.split('.')[0];
    const service = EMULATED_SERVICES.find((candidate) => candidate.targetPrefix === prefix);
    if (service) return { kind: 'json', service, target };
    return {
      kind: 'other-service',
      service: scope?.service ?? prefix ?? target,
      protocol: protocolOf(request),
    };
  }
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  if (scope) {
    if (scope.service === 'ses' || scope.service === 'email')
      return { kind: 'ses', version: path.startsWith('/v2/') ? 'v2' : 'v1' };
    if (scope.service === 'sts') return { kind: 'sts' };
    return { kind: 'other-service', service: scope.service, protocol: protocolOf(request) };
  }
  if (request.headers.authorization !== undefined) {
    // A malformed signature: the framing tells the service as far as it can.
    if (path.startsWith('/v2/email/')) return { kind: 'ses', version: 'v2' };
    if (request.method === 'POST' && path === '/' && isForm(request)) return { kind: 'ses', version: 'v1' };
  }
  return { kind: 'route' };
}

/** What the endpoint says to a request for a service it does not emulate: its name, and those it does. */
export function otherServiceMessage(service: string): string {
  const emulated = EMULATED_SERVICES.map((candidate) => `${candidate.name} (${candidate.signingName})`).join(
    ', ',
  );
  return `The sandbox does not emulate ${service}. This endpoint answers: ${emulated}; API Gateway's HTTP API (execute-api) answers at its own URL.`;
}
