import type { SandboxIam } from './iam.ts';
import type { SandboxLog } from './log.ts';
import type { LocalSms } from './sms.ts';
import { LocalSns } from './sns.ts';
import type { TemplateResolver } from './template.ts';

/**
 * SNS from the template, and End User Messaging SMS publishing its configuration sets' events to their
 * SNS destinations as sms-voice.amazonaws.com for the set (the topic's and key's policies decide; a
 * refused event is dropped, as AWS drops it).
 */
export function startSns(options: {
  readonly resolver: TemplateResolver;
  readonly iam: SandboxIam;
  readonly log: SandboxLog;
  readonly sms: LocalSms;
  readonly invokeFunction: (functionId: string, event: unknown) => Promise<void>;
}): LocalSns {
  const { resolver, iam, log, sms } = options;
  const sns = new LocalSns(resolver, iam, log, options.invokeFunction);
  sms.onEvent((event) => {
    const publisher = { service: 'sms-voice.amazonaws.com', sourceArn: event.configurationSetArn };
    sns.publishAsService(publisher, event.topicArn, event.message).catch((error: unknown) => {
      log.line('sms', `event to ${event.topicArn.split(':').pop()} dropped: ${(error as Error).name}`);
    });
  });
  return sns;
}
