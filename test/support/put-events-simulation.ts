import { runSimulation } from '@cloud-copilot/iam-simulate';

/** One `events:PutEvents` request to simulate: who asks, on which bus, with which entries. */
export interface PutEventsRequest {
  /** The caller's ARN (an assumed-role session, a role of another account). */
  readonly principal: string;
  /** The policies attached to the caller. */
  readonly identityPolicies: readonly { readonly name: string; readonly policy: unknown }[];
  /** The bus's resource policy, if it has one. */
  readonly resourcePolicy?: unknown;
  readonly busArn: string;
  /** The bus's account. */
  readonly accountId: string;
  /** Each entry's `source` and `detail-type` (multi-valued keys, one value per entry); absent: not sent. */
  readonly sources?: readonly string[];
  readonly detailTypes?: readonly string[];
}

/**
 * AWS's decision (`Allowed`, `ImplicitlyDenied`, `ExplicitlyDenied`) for one PutEvents request, evaluated by
 * @cloud-copilot/iam-simulate with AWS's service reference.
 */
export async function simulatePutEvents(request: PutEventsRequest): Promise<string> {
  const result = await runSimulation(
    {
      identityPolicies: [...request.identityPolicies],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(request.resourcePolicy ? { resourcePolicy: request.resourcePolicy } : {}),
      request: {
        action: 'events:PutEvents',
        principal: request.principal,
        resource: { resource: request.busArn, accountId: request.accountId },
        contextVariables: {
          ...(request.sources ? { 'events:source': [...request.sources] } : {}),
          ...(request.detailTypes ? { 'events:detail-type': [...request.detailTypes] } : {}),
        },
      },
    },
    {},
  );
  if (result.resultType !== 'single') throw new Error(`simulation failed: ${JSON.stringify(result)}`);
  return result.overallResult;
}
