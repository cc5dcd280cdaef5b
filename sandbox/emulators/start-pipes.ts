import type { LocalDynamoDbStreams } from './dynamodb-streams.ts';
import type { LocalEventBus } from './eventbridge/bus.ts';
import type { AuthorizationRequest, Denial, SandboxIam } from './iam.ts';
import { AWS_JSON_AUTHORIZATION } from './iam-actions.ts';
import type { SandboxLog } from './log.ts';
import { LocalPipes } from './pipes.ts';
import type { TemplateResolver } from './template.ts';

/**
 * EventBridge Pipes: each `AWS::Pipes::Pipe` reads its stream, puts on the bus and dead-letters as its
 * role, which IAM checks like any other.
 */
export function startPipes(options: {
  readonly resolver: TemplateResolver;
  readonly iam: SandboxIam;
  readonly log: SandboxLog;
  readonly streams: LocalDynamoDbStreams;
  readonly bus: LocalEventBus;
  readonly retryDelayMs: number;
}): LocalPipes {
  const { resolver, iam, bus } = options;
  const asPipe = async (
    pipeName: string,
    roleArn: string,
    request: AuthorizationRequest,
  ): Promise<Denial | undefined> => {
    const roleId = resolver.logicalIdOf(roleArn);
    if (!roleId) throw new Error(`Pipe ${pipeName}: role ${roleArn} is not in the template`);
    return iam.authorizeRole(roleId, iam.sessionArn(roleId, pipeName), request);
  };
  return new LocalPipes(
    resolver,
    options.streams,
    async (delivery) => {
      const requests =
        AWS_JSON_AUTHORIZATION['AWSEvents.PutEvents']?.({ Entries: delivery.entries }, resolver) ?? [];
      for (const request of requests) {
        const denial = await asPipe(delivery.pipeName, delivery.roleArn, request);
        // What EventBridge answers the pipe's PutEvents; Pipes records it as the batch's error.
        if (denial) throw Object.assign(new Error(denial.message), { name: 'AccessDeniedException' });
      }
      return bus.putEvents(delivery.entries);
    },
    {
      log: options.log,
      retryDelayMs: options.retryDelayMs,
      authorize: async (call) => (await asPipe(call.pipeName, call.roleArn, call))?.message,
    },
  );
}
