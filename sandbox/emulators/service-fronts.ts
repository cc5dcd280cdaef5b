import { FaultProxy } from './fault-proxy.ts';
import type { SandboxLog } from './log.ts';
import { listen } from './net.ts';

/** The fault proxies in front of DynamoDB, SES and KMS, where tests inject faults. */
export interface ServiceFaults {
  readonly dynamodb: FaultProxy;
  readonly ses: FaultProxy;
  readonly kms: FaultProxy;
}

/** The fronts the handlers call: a fault proxy per service, each passing on to the AWS endpoint. */
export interface ServiceFronts {
  readonly faults: ServiceFaults;
  /** Base URL of each front: what the handlers' `AWS_ENDPOINT_URL_*` name. */
  readonly endpoints: { readonly dynamodb: string; readonly ses: string; readonly kms: string };
}

/**
 * Starts a fault proxy before the AWS endpoint's DynamoDB, SES and KMS (pass-through unless a test
 * injects a fault). The endpoint checks the signature and IAM itself, so the signed Host must reach it.
 */
export async function startServiceFronts(options: {
  readonly log: SandboxLog;
  /** The AWS endpoint's base URL. */
  readonly awsEndpoint: string;
}): Promise<ServiceFronts> {
  const { log, awsEndpoint } = options;
  const front = (name: string, protocol: 'json' | 'query') =>
    new FaultProxy({ target: awsEndpoint, protocol, name, log, preserveHost: true });
  const faults: ServiceFaults = {
    dynamodb: front('dynamodb', 'json'),
    ses: front('ses', 'query'),
    kms: front('kms', 'json'),
  };
  const url = (port: number) => `http://127.0.0.1:${port}`;
  const endpoints = {
    dynamodb: url(await listen(faults.dynamodb.server, 0, 'DynamoDB fault proxy')),
    ses: url(await listen(faults.ses.server, 0, 'SES fault proxy')),
    kms: url(await listen(faults.kms.server, 0, 'KMS fault proxy')),
  };
  return { faults, endpoints };
}
