import { randomUUID } from 'node:crypto';
import { FaultProxy, type ProxyAnswer } from './fault-proxy.ts';
import { type AuthorizationRequest, type Denial, type SandboxIam, SIGNATURE_MISMATCH } from './iam.ts';
import { dynamodbAuthorization, sesAuthorization } from './iam-actions.ts';
import type { SandboxLog } from './log.ts';
import { listen } from './net.ts';
import type { TemplateResolver } from './template.ts';

/** The fault proxies in front of DynamoDB, SES and KMS, where tests inject faults. */
export interface ServiceFaults {
  readonly dynamodb: FaultProxy;
  readonly ses: FaultProxy;
  readonly kms: FaultProxy;
}

/** How a front checks a request: its answer to a bad signature, what IAM decides, its answer to a refusal. */
interface FrontCheck {
  readonly badSignature: ProxyAnswer;
  requests(operation: string, body: Buffer): AuthorizationRequest[];
  refusal(denial: Denial | undefined): ProxyAnswer | undefined;
}

/** The fronts the handlers call, each a fault proxy that checks the signature and IAM first. */
export interface ServiceFronts {
  readonly faults: ServiceFaults;
  /** Base URL of each front: what the handlers' `AWS_ENDPOINT_URL_*` name. */
  readonly endpoints: { readonly dynamodb: string; readonly ses: string; readonly kms: string };
}

/**
 * Starts a fault proxy before DynamoDB, SES and the AWS endpoint's KMS (pass-through unless a test
 * injects a fault). IAM is checked at each front a handler calls, against the role its credentials
 * belong to; KMS's endpoint checks it itself.
 */
export async function startServiceFronts(options: {
  readonly resolver: TemplateResolver;
  readonly iam: SandboxIam;
  readonly log: SandboxLog;
  readonly backends: { readonly dynamodb: string; readonly ses: string; readonly aws: string };
}): Promise<ServiceFronts> {
  const { resolver, iam, log, backends } = options;
  // Each front answers a bad signature, then IAM's refusal, in its service's protocol.
  const checkedFront = (name: string, protocol: 'json' | 'query', target: string, check: FrontCheck) =>
    new FaultProxy({
      target,
      protocol,
      name,
      log,
      authorize: async (request, operation, body) => {
        if (!(await iam.signatureValid(request, body))) return check.badSignature;
        return check.refusal(await iam.authorizeSigned(request.headers, check.requests(operation, body)));
      },
    });
  const faults: ServiceFaults = {
    dynamodb: checkedFront('dynamodb', 'json', backends.dynamodb, {
      badSignature: jsonRefusal('InvalidSignatureException', SIGNATURE_MISMATCH),
      requests: (operation, body) => dynamodbAuthorization(operation, parseJson(body), resolver),
      refusal: dynamodbRefusal,
    }),
    ses: checkedFront('ses', 'query', backends.ses, {
      badSignature: queryRefusal('SignatureDoesNotMatch', SIGNATURE_MISMATCH),
      requests: (_operation, body) => sesAuthorization(new URLSearchParams(body.toString('utf8')), resolver),
      refusal: sesRefusal,
    }),
    // The AWS endpoint behind it checks the signature and IAM itself, so the signed Host must reach it.
    kms: new FaultProxy({ target: backends.aws, protocol: 'json', name: 'kms', log, preserveHost: true }),
  };
  const url = (port: number) => `http://127.0.0.1:${port}`;
  const endpoints = {
    dynamodb: url(await listen(faults.dynamodb.server, 0, 'DynamoDB fault proxy')),
    ses: url(await listen(faults.ses.server, 0, 'SES fault proxy')),
    kms: url(await listen(faults.kms.server, 0, 'KMS fault proxy')),
  };
  return { faults, endpoints };
}

function parseJson(body: Buffer): Record<string, unknown> {
  try {
    return JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** A DynamoDB (AWS JSON 1.0) error answer: 400 with `com.amazon.coral.service#<code>`. */
function jsonRefusal(code: string, message: string): ProxyAnswer {
  return {
    status: 400,
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': code },
    body: JSON.stringify({ __type: `com.amazon.coral.service#${code}`, Message: message }),
  };
}

/** DynamoDB's answer to a refused request: 400 `AccessDeniedException`. */
function dynamodbRefusal(denial: Denial | undefined): ProxyAnswer | undefined {
  return denial ? jsonRefusal('AccessDeniedException', denial.message) : undefined;
}

/** An SES v1 (query protocol) error answer: 403 with the code in XML. */
function queryRefusal(code: string, message: string): ProxyAnswer {
  const escaped = message.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return {
    status: 403,
    headers: { 'content-type': 'text/xml' },
    body: `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${escaped}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  };
}

/** SES v1's answer to a refused request: 403 `AccessDenied`. */
function sesRefusal(denial: Denial | undefined): ProxyAnswer | undefined {
  if (!denial) return undefined;
  return queryRefusal(
    'AccessDenied',
    `User \`${denial.principal}' is not authorized to perform \`${denial.action}' on resource \`${denial.resource}'`,
  );
}
