/** How deep `cause` chains are followed: a typed error wrapping an SDK error is two. */
const MAX_CAUSE_DEPTH = 5;

/**
 * The AWS request id of the call that failed, from the error or one it wraps (`cause`): the SDK sets
 * `$metadata.requestId` on a service's error answer. Undefined when no AWS call answered (a timeout).
 */
export function awsRequestIdOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && typeof current === 'object' && current !== null; depth++) {
    const requestId = (current as { $metadata?: { requestId?: unknown } }).$metadata?.requestId;
    if (typeof requestId === 'string' && requestId !== '') return requestId;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * What a failure's log line says: the error's name and, where an AWS call failed, its request id (so the
 * failure can be found in the service's own records). Never the message: it may hold a code or an address.
 */
export function failureFields(error: unknown): { errorName: string; awsRequestId?: string } {
  const errorName = error instanceof Error ? error.name : typeof error;
  const awsRequestId = awsRequestIdOf(error);
  return awsRequestId === undefined ? { errorName } : { errorName, awsRequestId };
}
