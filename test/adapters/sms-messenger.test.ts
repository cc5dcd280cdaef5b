import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { classifySmsError, SmsMessenger } from '../../lambdas/adapters/sms-messenger.ts';

const sms = mockClient(PinpointSMSVoiceV2Client);
const IDENTITY = 'arn:aws:sms-voice:eu-central-1:123456789012:pool/pool-secure-delivery';

const smsError = (name: string, httpStatusCode?: number): Error =>
  Object.assign(new Error(`${name} from SMS`), {
    name,
    $metadata: httpStatusCode === undefined ? {} : { httpStatusCode },
  });

beforeEach(() => {
  sms.reset();
});

describe('SmsMessenger.send', () => {
  it('sends a transactional text from the origination identity through the configuration set, naming the protect configuration', async () => {
    // Prepare
    sms.on(SendTextMessageCommand).resolves({ MessageId: 'sms-1' });
    const messenger = new SmsMessenger(
      new PinpointSMSVoiceV2Client({ region: 'eu-central-1' }),
      IDENTITY,
      'secure-delivery-sms',
      '0.30',
      'protect-secure-delivery',
    );

    // Act
    const result = await messenger.send({ to: '+4915112345678', body: 'Ihr Zustellcode ist 482913' });

    // Assess
    expect(result).toEqual({ messageId: 'sms-1' });
    expect(sms.commandCalls(SendTextMessageCommand)[0]?.args[0].input).toEqual({
      DestinationPhoneNumber: '+4915112345678',
      MessageBody: 'Ihr Zustellcode ist 482913',
      MessageType: 'TRANSACTIONAL',
      OriginationIdentity: IDENTITY,
      ConfigurationSetName: 'secure-delivery-sms',
      MaxPrice: '0.30',
      ProtectConfigurationId: 'protect-secure-delivery',
    });
  });

  it('throws a typed error naming only the service error, never the number or the text', async () => {
    // Prepare
    sms.on(SendTextMessageCommand).rejects(smsError('ValidationException', 400));
    const messenger = new SmsMessenger(
      new PinpointSMSVoiceV2Client({ region: 'eu-central-1' }),
      IDENTITY,
      'set',
    );

    // Act
    const sending = messenger.send({ to: '+4915112345678', body: 'code 482913' });

    // Assess
    await expect(sending).rejects.toMatchObject({ name: 'SmsRejectedError' });
    await expect(sending).rejects.not.toThrow(/4915112345678|482913/);
  });
});

describe('classifySmsError', () => {
  it.each([
    ['ThrottlingException', 400, 'SmsTransientError'],
    ['ServiceQuotaExceededException', 402, 'SmsTransientError'],
    ['InternalServerException', 500, 'SmsTransientError'],
    ['TimeoutError', undefined, 'SmsTransientError'],
    ['ValidationException', 400, 'SmsRejectedError'],
    ['ConflictException', 409, 'SmsRejectedError'],
    // Our own setup, not the recipient's number: never reported as undeliverable, never silently rerouted.
    ['ResourceNotFoundException', 404, 'SmsConfigurationError'],
    ['AccessDeniedException', 403, 'SmsConfigurationError'],
  ])('treats %s (%s) as %s', (name, status, expected) => {
    // Prepare, Act
    const error = classifySmsError(smsError(name, status));

    // Assess
    expect(error.name).toBe(expected);
  });
});
