import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { classifySesError, SesMailer } from '../../lambdas/adapters/ses-mailer.ts';
import { EmailRejectedError, EmailThrottledError, EmailTransientError } from '../../lambdas/domain/errors.ts';

const ses = mockClient(SESClient);
const SENDER = 'no-reply@secure-delivery.example.com';
const MESSAGE = {
  to: 'erika@example.com',
  subject: 'Ihr Zustellcode für Bestellung 123-456',
  text: 'Ihr Code: 482913 – gültig bis 23:59',
  html: '<p>Ihr Code: <strong>482913</strong> – gültig bis 23:59</p>',
};

function sesError(name: string, httpStatusCode?: number): Error {
  return Object.assign(new Error(`${name} from SES`), {
    name,
    $metadata: httpStatusCode === undefined ? {} : { httpStatusCode },
  });
}

beforeEach(() => {
  ses.reset();
});

describe('SesMailer.send', () => {
  it('sends Text and Html bodies and a subject, all UTF-8, from the sender to the recipient', async () => {
    // Prepare
    ses.on(SendEmailCommand).resolves({ MessageId: 'msg-1' });
    const mailer = new SesMailer(new SESClient({ region: 'eu-central-1' }), SENDER);

    // Act
    const result = await mailer.send(MESSAGE);

    // Assess
    expect(result).toEqual({ messageId: 'msg-1' });
    const calls = ses.commandCalls(SendEmailCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      Source: SENDER,
      Destination: { ToAddresses: ['erika@example.com'] },
      Message: {
        Subject: { Data: MESSAGE.subject, Charset: 'UTF-8' },
        Body: {
          Text: { Data: MESSAGE.text, Charset: 'UTF-8' },
          Html: { Data: MESSAGE.html, Charset: 'UTF-8' },
        },
      },
    });
  });

  it('names the configuration set when one is configured', async () => {
    // Prepare
    ses.on(SendEmailCommand).resolves({ MessageId: 'msg-1' });
    const mailer = new SesMailer(new SESClient({ region: 'eu-central-1' }), SENDER, 'secure-delivery');

    // Act
    await mailer.send(MESSAGE);

    // Assess
    expect(ses.commandCalls(SendEmailCommand)[0]?.args[0].input.ConfigurationSetName).toBe('secure-delivery');
  });

  it.each([
    ['Throttling', 400, EmailThrottledError, 'EmailThrottledError'],
    ['TooManyRequestsException', 429, EmailThrottledError, 'EmailThrottledError'],
    ['MessageRejected', 400, EmailRejectedError, 'EmailRejectedError'],
    ['MailFromDomainNotVerifiedException', 400, EmailRejectedError, 'EmailRejectedError'],
    ['ServiceUnavailable', 503, EmailTransientError, 'EmailTransientError'],
    ['InternalFailure', 500, EmailTransientError, 'EmailTransientError'],
  ])('turns %s (HTTP %i) into %s', async (name, status, type, typeName) => {
    // Prepare
    ses.on(SendEmailCommand).rejects(sesError(name, status));
    const mailer = new SesMailer(new SESClient({ region: 'eu-central-1' }), SENDER);

    // Act
    const send = mailer.send(MESSAGE);

    // Assess
    await expect(send).rejects.toBeInstanceOf(type);
    await expect(send).rejects.toMatchObject({ name: typeName });
  });

  it('does not put the message content into the error it throws', async () => {
    // Prepare
    ses.on(SendEmailCommand).rejects(sesError('MessageRejected', 400));
    const mailer = new SesMailer(new SESClient({ region: 'eu-central-1' }), SENDER);

    // Act
    const error = await mailer.send(MESSAGE).then(
      () => new Error('expected the send to fail'),
      (caught: unknown) => caught as Error,
    );

    // Assess
    expect(error.message).not.toContain('482913');
    expect(error.message).not.toContain('erika@example.com');
  });
});

describe('classifySesError', () => {
  it.each([
    ['a 429 of any name', sesError('SomethingNew', 429), 'EmailThrottledError'],
    ['a name that mentions throttling', sesError('SendingThrottledException'), 'EmailThrottledError'],
    ['any other 4xx', sesError('ValidationError', 400), 'EmailRejectedError'],
    ['a network timeout without a status', sesError('TimeoutError'), 'EmailTransientError'],
    [
      'a 503 without a name',
      Object.assign(new Error('x'), { $metadata: { httpStatusCode: 503 } }),
      'EmailTransientError',
    ],
    ['something that is not an Error', 'boom', 'EmailTransientError'],
  ])('classifies %s', (_label, error, expected) => {
    // Act
    const classified = classifySesError(error);

    // Assess
    expect(classified.name).toBe(expected);
  });
});
