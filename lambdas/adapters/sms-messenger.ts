import type { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SmsConfigurationError, SmsRejectedError, SmsTransientError } from '../domain/errors.ts';
import type { TextMessenger } from '../domain/otp-record.ts';
import type { TextMessage } from '../domain/sms-status.ts';

const TRANSIENT = new Set([
  'ThrottlingException',
  'ServiceQuotaExceededException',
  'InternalServerException',
  'TimeoutError',
]);

/** Errors about our own setup, not the destination number: a missing grant, an unknown resource. */
const CONFIGURATION = new Set(['AccessDeniedException', 'ResourceNotFoundException']);

/**
 * Maps an End User Messaging SMS failure to a typed error: retry later, our own setup is wrong (fail
 * loudly), or the message was refused for good (a bad or opted-out number).
 */
export function classifySmsError(error: unknown): Error {
  const name = error instanceof Error ? error.name : 'Unknown';
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  if (TRANSIENT.has(name) || status === undefined || status === 429 || status >= 500)
    return new SmsTransientError(`SMS failed transiently (${name})`, { cause: error });
  if (CONFIGURATION.has(name))
    return new SmsConfigurationError(`SMS setup refused (${name})`, { cause: error });
  return new SmsRejectedError(`SMS refused (${name})`, { cause: error });
}

/** AWS End User Messaging SMS (`SendTextMessage`) implementation of {@link TextMessenger}. */
export class SmsMessenger implements TextMessenger {
  constructor(
    private readonly client: PinpointSMSVoiceV2Client,
    private readonly originationIdentity: string,
    private readonly configurationSetName: string,
    /** The most one message may cost (US dollars): a dearer one is refused by the service, not sent. */
    private readonly maxPrice?: string,
    /** Named on every send, so its country allow-list holds even if the configuration set loses it. */
    private readonly protectConfigurationId?: string,
  ) {}

  async send(message: TextMessage): Promise<{ messageId: string }> {
    // Imported with the first text, not by this module: SMS is a rare path (on-demand-wiring.ts).
    const { SendTextMessageCommand } = await import('@aws-sdk/client-pinpoint-sms-voice-v2');
    try {
      const output = await this.client.send(
        new SendTextMessageCommand({
          DestinationPhoneNumber: message.to,
          MessageBody: message.body,
          MessageType: 'TRANSACTIONAL',
          OriginationIdentity: this.originationIdentity,
          ConfigurationSetName: this.configurationSetName,
          ...(this.maxPrice ? { MaxPrice: this.maxPrice } : {}),
          ...(this.protectConfigurationId ? { ProtectConfigurationId: this.protectConfigurationId } : {}),
          ...(message.context ? { Context: message.context } : {}),
        }),
      );
      return { messageId: output.MessageId ?? '' };
    } catch (error) {
      throw classifySmsError(error);
    }
  }
}
