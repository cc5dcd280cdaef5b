import { type SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { EmailRejectedError, EmailThrottledError, EmailTransientError } from '../domain/errors.ts';
import type { Mailer } from '../domain/otp-record.ts';

const THROTTLING = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException']);
const PERMANENT = new Set([
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'ConfigurationSetDoesNotExistException',
  'AccountSendingPausedException',
  'InvalidParameterValue',
]);

/** Maps an SES failure to a typed error the workflow's Retry/Catch can name; the SDK's error is its cause. */
export function classifySesError(error: unknown): Error {
  const name = error instanceof Error ? error.name : 'Unknown';
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  if (THROTTLING.has(name) || name.includes('Throttl') || status === 429) {
    return new EmailThrottledError(`SES throttled the send (${name})`, { cause: error });
  }
  if (PERMANENT.has(name) || (status !== undefined && status >= 400 && status < 500)) {
    return new EmailRejectedError(`SES rejected the message (${name})`, { cause: error });
  }
  return new EmailTransientError(`SES failed transiently (${name})`, { cause: error });
}

/** SES (v1 SendEmail API) implementation of {@link Mailer}. */
export class SesMailer implements Mailer {
  constructor(
    private readonly client: SESClient,
    private readonly sender: string,
    private readonly configurationSetName?: string,
  ) {}

  async send(message: {
    to: string;
    subject: string;
    text: string;
    html: string;
    tags?: Readonly<Record<string, string>>;
  }): Promise<{ messageId: string }> {
    try {
      const output = await this.client.send(
        new SendEmailCommand({
          Source: this.sender,
          Destination: { ToAddresses: [message.to] },
          Message: {
            Subject: { Data: message.subject, Charset: 'UTF-8' },
            Body: {
              Text: { Data: message.text, Charset: 'UTF-8' },
              Html: { Data: message.html, Charset: 'UTF-8' },
            },
          },
          ...(this.configurationSetName ? { ConfigurationSetName: this.configurationSetName } : {}),
          ...(message.tags
            ? { Tags: Object.entries(message.tags).map(([Name, Value]) => ({ Name, Value })) }
            : {}),
        }),
      );
      return { messageId: output.MessageId ?? '' };
    } catch (error) {
      throw classifySesError(error);
    }
  }
}
