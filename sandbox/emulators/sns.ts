import { randomUUID } from 'node:crypto';
import { AwsJsonError } from './aws-protocol.ts';
import type { SandboxIam } from './iam.ts';
import { InFlight } from './in-flight.ts';
import type { SandboxLog } from './log.ts';
import type { TemplateResolver } from './template.ts';

/** A topic of the template: its ARN, its KMS key (server-side encryption), its Lambda subscriptions. */
interface LocalTopic {
  readonly arn: string;
  readonly keyArn?: string;
  readonly subscriptions: { readonly arn: string; readonly functionId: string }[];
}

/** Who publishes: an AWS service on behalf of one of its resources (`aws:SourceArn`). */
export interface ServicePublisher {
  readonly service: string;
  readonly sourceArn: string;
}

/**
 * Amazon SNS as far as the template uses it: its topics (`AWS::SNS::Topic`, with `KmsMasterKeyId`) and
 * their Lambda subscriptions (`AWS::SNS::Subscription`, protocol `lambda`). A service's publish is
 * decided by the topic's policy and, for an encrypted topic, the key's policy (`kms:GenerateDataKey`);
 * each subscription is delivered as sns.amazonaws.com, which the function's permission must allow for
 * the topic, with Lambda's event for SNS, as an asynchronous invocation.
 */
export class LocalSns {
  private readonly topics = new Map<string, LocalTopic>();
  private readonly pending = new InFlight();

  constructor(
    private readonly resolver: TemplateResolver,
    private readonly iam: SandboxIam,
    private readonly log: SandboxLog,
    /** Lambda's asynchronous invocation (retries, on-failure destination). */
    private readonly invokeFunction: (functionId: string, event: unknown) => Promise<void>,
  ) {
    for (const [logicalId, resource] of resolver.resourcesOfType('AWS::SNS::Topic')) {
      const key = resource.Properties?.KmsMasterKeyId;
      const keyId = key === undefined ? undefined : resolver.logicalIdOf(String(resolver.resolve(key)));
      this.topics.set(resolver.arn(logicalId), {
        arn: resolver.arn(logicalId),
        ...(keyId ? { keyArn: resolver.arn(keyId) } : {}),
        subscriptions: [],
      });
    }
    for (const [logicalId, resource] of resolver.resourcesOfType('AWS::SNS::Subscription')) {
      const p = resolver.resolve(resource.Properties ?? {}) as {
        Protocol?: string;
        Endpoint?: string;
        TopicArn?: string;
      };
      const functionId = p.Endpoint ? resolver.logicalIdOf(p.Endpoint) : undefined;
      const topic = this.topics.get(String(p.TopicArn));
      if (p.Protocol !== 'lambda' || !functionId || !topic) continue;
      topic.subscriptions.push({ arn: `${topic.arn}:${logicalId}`, functionId });
    }
  }

  /**
   * `Publish` by an AWS service: refused as SNS refuses it (no such topic; the topic's or the key's
   * policy does not allow the service for `sourceArn`), else `{ MessageId }` and every subscription
   * delivered in the background.
   */
  publishAsService(
    publisher: ServicePublisher,
    topicArn: string,
    message: string,
  ): Promise<{ MessageId: string }> {
    const publishing = this.publish(publisher, topicArn, message);
    this.track(publishing.then(() => undefined));
    return publishing;
  }

  private async publish(
    publisher: ServicePublisher,
    topicArn: string,
    message: string,
  ): Promise<{ MessageId: string }> {
    const topic = this.topics.get(topicArn);
    if (!topic) throw new AwsJsonError('NotFound', 'Topic does not exist', { statusCode: 404 });
    const denial =
      (await this.iam.authorizeService(publisher.service, publisher.sourceArn, {
        action: 'sns:Publish',
        resource: topicArn,
      })) ??
      (topic.keyArn
        ? await this.iam.authorizeService(publisher.service, publisher.sourceArn, {
            action: 'kms:GenerateDataKey',
            resource: topic.keyArn,
          })
        : undefined);
    if (denial)
      throw new AwsJsonError(
        denial.action.startsWith('kms:') ? 'KMSAccessDenied' : 'AuthorizationError',
        denial.message,
        { statusCode: 403 },
      );
    const messageId = randomUUID();
    for (const subscription of topic.subscriptions)
      this.track(this.deliver(topic, subscription, { messageId, message }));
    return { MessageId: messageId };
  }

  private track(work: Promise<void>): void {
    this.pending.add(work.catch(() => undefined));
  }

  /** Waits until every delivery started so far has finished. */
  async settled(): Promise<void> {
    await this.pending.settled();
  }

  /** Whether a delivery is still running. */
  get busy(): boolean {
    return this.pending.busy;
  }

  private async deliver(
    topic: LocalTopic,
    subscription: LocalTopic['subscriptions'][number],
    notification: { readonly messageId: string; readonly message: string },
  ): Promise<void> {
    const functionArn = this.resolver.arn(subscription.functionId);
    const denial = await this.iam.authorizeService('sns.amazonaws.com', topic.arn, {
      action: 'lambda:InvokeFunction',
      resource: functionArn,
    });
    if (denial) {
      this.log.line('sns', `${subscription.functionId} not invoked: ${denial.message}`);
      return;
    }
    await this.invokeFunction(subscription.functionId, {
      Records: [
        {
          EventSource: 'aws:sns',
          EventVersion: '1.0',
          EventSubscriptionArn: subscription.arn,
          Sns: {
            Type: 'Notification',
            MessageId: notification.messageId,
            TopicArn: topic.arn,
            Subject: null,
            Message: notification.message,
            Timestamp: new Date().toISOString(),
            SignatureVersion: '1',
            Signature: '',
            SigningCertUrl: '',
            UnsubscribeUrl: '',
            MessageAttributes: {},
          },
        },
      ],
    }).catch((error: unknown) => {
      this.log.line('sns', `${subscription.functionId} delivery failed: ${(error as Error).name}`);
    });
  }
}
