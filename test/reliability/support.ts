/**
 * Shared harness of the reliability suite: one in-process sandbox per test file, driven only through AWS
 * SDK clients (EventBridge, DynamoDB, Step Functions, Secrets Manager), HTTP and the fault proxies.
 * Every line the process prints (sandbox log, handler logs on stdout and stderr) is captured.
 */
import { createHash } from 'node:crypto';
import { type AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { routePath, VERIFY_PATH } from '../../lambdas/contracts/http/paths.ts';
import { codeFromEmail, type ExecutionView, shippedDetail } from '../../sandbox/app/client.ts';
import type { Harness, Item } from '../support/sandbox-harness.ts';

export * from '../support/sandbox-harness.ts';

/** Number of items in the OTP table. */
export async function itemCount(h: Harness): Promise<number> {
  let count = 0;
  let start: Item | undefined;
  do {
    const page = await h.ddb.send(
      new ScanCommand({ TableName: h.tableName, Select: 'COUNT', ExclusiveStartKey: start }),
    );
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return count;
}

/** Number of emails the SES emulator holds, all recipients together. */
export async function emailCount(h: Harness): Promise<number> {
  const response = await fetch(`${h.sandbox.endpoints.sesEndpoint}/store`);
  return ((await response.json()) as { emails: unknown[] }).emails.length;
}

export const num = (value: AttributeValue | undefined): number | undefined =>
  value?.N === undefined ? undefined : Number(value.N);

/** Issuing-workflow executions not seen before (the sandbox's inspection endpoint), in no given order. */
export async function newExecutions(h: Harness, seen: Set<string>): Promise<ExecutionView[]> {
  const fresh = (await h.client.executions()).filter(
    (execution) => execution.stateMachineArn === h.stateMachineArn && !seen.has(execution.executionArn),
  );
  for (const execution of fresh) seen.add(execution.executionArn);
  return fresh;
}

/** The event an execution was started with. */
export function executionEvent(execution: ExecutionView): {
  id?: string;
  detail?: Record<string, unknown>;
} {
  try {
    return JSON.parse(execution.input ?? '{}');
  } catch {
    return {};
  }
}

/** Every execution started for `parcelId` so far. */
export async function executionsFor(h: Harness, parcelId: string): Promise<ExecutionView[]> {
  const all = await newExecutions(h, new Set());
  return all.filter((execution) => executionEvent(execution).detail?.parcelId === parcelId);
}

/** PutEvents of raw `Parcel Shipped` details in one call; returns each entry's event id or error code. */
export async function putShipped(
  h: Harness,
  details: unknown[],
): Promise<{ eventId?: string; errorCode?: string }[]> {
  const { endpoints } = h.sandbox;
  const output = await h.client.events.send(
    new PutEventsCommand({
      Entries: details.map((detail) => ({
        EventBusName: endpoints.eventBusName,
        Source: endpoints.eventSource,
        DetailType: 'Parcel Shipped',
        Detail: JSON.stringify(detail),
      })),
    }),
  );
  return (output.Entries ?? []).map((entry) => ({
    ...(entry.EventId ? { eventId: entry.EventId } : {}),
    ...(entry.ErrorCode ? { errorCode: entry.ErrorCode } : {}),
  }));
}

/** An HTTP answer: status, headers, body text and the body parsed as JSON when it is JSON. */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown> | undefined;
}

/** POSTs to `path` on the sandbox API and reads the whole answer. */
export async function post(
  h: Harness,
  path: string,
  body: string | Uint8Array | undefined,
  headers: Record<string, string>,
): Promise<Answer> {
  const response = await fetch(`${h.sandbox.endpoints.apiUrl}${path}`, { method: 'POST', headers, body });
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      json = parsed as Record<string, unknown>;
    }
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** `POST /parcels/{parcelId}/verify` with a JSON body and a bearer token. */
export function verify(h: Harness, parcelId: string, code: string, token: string): Promise<Answer> {
  return post(h, routePath(VERIFY_PATH, { parcelId }), JSON.stringify({ code }), {
    'content-type': 'application/json',
    authorization: `Bearer ${token}`,
  });
}

/** Counts answers by status. */
export function byStatus(answers: readonly { status: number }[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const { status } of answers) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

/**
 * The CloudFormation logical id CDK gives the L1 resource at `path` inside the stack (human part without
 * `Resource`, then the first 8 hex digits of the MD5 of the path, upper case). The sandbox names each
 * secret by its logical id and implements no ListSecrets, so this is how a test finds the secret by name.
 */
export function cdkLogicalId(path: readonly string[]): string {
  const human = path
    .filter((part) => part !== 'Resource')
    .map((part) => part.replace(/[^A-Za-z0-9]/g, ''))
    .join('');
  const hash = createHash('md5').update(path.join('/')).digest('hex').slice(0, 8).toUpperCase();
  return `${human}${hash}`;
}

/** The secret string of the stack's `Secrets/<name>` secret, through Secrets Manager GetSecretValue. */
export async function secretString(h: Harness, name: 'EncryptionKey'): Promise<string> {
  const output = await h.secrets.send(
    new GetSecretValueCommand({ SecretId: cdkLogicalId(['Secrets', name, 'Resource']) }),
  );
  if (!output.SecretString || !output.Name?.includes(name)) throw new Error(`No ${name} secret`);
  return output.SecretString;
}

/** Parses captured lines that are JSON objects (the handlers' structured logs). */
export function structuredLogs(lines: readonly string[]): Record<string, unknown>[] {
  const parsed: Record<string, unknown>[] = [];
  for (const line of lines) {
    const start = line.indexOf('{');
    if (start === -1) continue;
    try {
      const value: unknown = JSON.parse(line.slice(start));
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        parsed.push(value as Record<string, unknown>);
      }
    } catch {
      // not a structured line
    }
  }
  return parsed;
}

export { codeFromEmail, shippedDetail };
