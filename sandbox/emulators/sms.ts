import { randomUUID } from 'node:crypto';
import { AwsJsonError } from './aws-protocol.ts';
import type { TemplateResolver } from './template.ts';

/** A text message the sandbox took, as the SMS inbox lists it. */
export interface SentTextMessage {
  readonly destinationPhoneNumber: string;
  readonly messageBody: string;
  readonly messageId: string;
  readonly sentAt: string;
  readonly originationIdentity: string;
  readonly configurationSetName?: string;
}

/** E.164: `+`, a country code that does not start with 0, at most 15 digits in all. */
const E164 = /^\+[1-9]\d{1,14}$/;
/** SendTextMessage's limit on MessageBody. */
const MAX_BODY_CHARACTERS = 1600;
/** Forms SendTextMessage takes for an origination identity: an ARN, a phone number or pool id, E.164, a sender ID. */
const ORIGINATION_IDENTITY =
  /^(arn:aws[\w-]*:sms-voice:[a-z0-9-]+:\d{12}:(phone-number|pool|sender-id)\/.+|phone-[0-9a-f]{32}|pool-[\w-]+|\+[1-9]\d{1,14}|[A-Za-z0-9-]{1,11})$/;

/**
 * AWS End User Messaging SMS (`pinpoint-sms-voice-v2`, JSON 1.0) as far as the product calls it:
 * `SendTextMessage`, validated as the service validates it (E.164 destination, body length, message
 * type, an existing configuration set of the template). Every message is kept for the SMS inbox.
 */
/** The service's ValidationException for one field, worded as AWS words it. */
function validationError(field: string, constraint?: string): AwsJsonError {
  return new AwsJsonError(
    'ValidationException',
    `1 validation error detected: Value at '${field}' failed to satisfy constraint${constraint ? `: ${constraint}` : ''}`,
  );
}

export class LocalSms {
  readonly sent: SentTextMessage[] = [];
  private readonly configurationSets: ReadonlySet<string>;
  private failures: { errorCode: string; message: string; left: number }[] = [];

  constructor(resolver: TemplateResolver) {
    this.configurationSets = new Set(
      resolver
        .resourcesOfType('AWS::SMSVOICE::ConfigurationSet')
        .map(([logicalId, resource]) =>
          String(resolver.resolve(resource.Properties?.ConfigurationSetName ?? resolver.ref(logicalId))),
        ),
    );
  }

  /**
   * Tests: the next `times` valid sends fail with the service's `errorCode` (e.g. `ThrottlingException`,
   * or `ConflictException` as for an opted-out number), as End User Messaging answers them.
   */
  failNext(failure: { errorCode: string; message?: string; times: number }): void {
    this.failures.push({
      errorCode: failure.errorCode,
      message: failure.message ?? failure.errorCode,
      left: failure.times,
    });
  }

  /** `SendTextMessage`: `{ MessageId }`, or the service's ValidationException / ResourceNotFoundException. */
  sendTextMessage(request: Record<string, unknown>): { MessageId: string } {
    const destination = request.DestinationPhoneNumber;
    if (typeof destination !== 'string' || !E164.test(destination))
      throw validationError(
        'destinationPhoneNumber',
        'Member must satisfy regular expression pattern: ^\\+[1-9][0-9]{1,18}$',
      );
    const body = request.MessageBody;
    if (
      body !== undefined &&
      (typeof body !== 'string' || body.length < 1 || body.length > MAX_BODY_CHARACTERS)
    )
      throw validationError('messageBody', `Member must have length between 1 and ${MAX_BODY_CHARACTERS}`);
    if (
      request.MessageType !== undefined &&
      request.MessageType !== 'TRANSACTIONAL' &&
      request.MessageType !== 'PROMOTIONAL'
    )
      throw validationError(
        'messageType',
        'Member must satisfy enum value set: [TRANSACTIONAL, PROMOTIONAL]',
      );
    const origination = request.OriginationIdentity;
    if (
      origination !== undefined &&
      (typeof origination !== 'string' || !ORIGINATION_IDENTITY.test(origination))
    )
      throw validationError('originationIdentity');
    const configurationSet = request.ConfigurationSetName;
    if (configurationSet !== undefined) {
      const name = String(configurationSet).replace(/^arn:[^/]+\//, '');
      if (!this.configurationSets.has(name))
        throw new AwsJsonError('ResourceNotFoundException', `Configuration set ${name} does not exist.`);
    }
    const message: SentTextMessage = {
      destinationPhoneNumber: destination,
      messageBody: typeof body === 'string' ? body : '',
      messageId: randomUUID(),
      sentAt: new Date().toISOString(),
      originationIdentity: typeof origination === 'string' ? origination : '',
      ...(configurationSet === undefined ? {} : { configurationSetName: String(configurationSet) }),
    };
    const failure = this.failures.find((candidate) => candidate.left > 0);
    if (failure) {
      failure.left--;
      throw new AwsJsonError(failure.errorCode, failure.message);
    }
    this.sent.push(message);
    return { MessageId: message.messageId };
  }

  /** The inbox as JSON: `{ destinationPhoneNumber, messageBody, messageId, sentAt }` per message, oldest first. */
  inbox(): Pick<SentTextMessage, 'destinationPhoneNumber' | 'messageBody' | 'messageId' | 'sentAt'>[] {
    return this.sent.map(({ destinationPhoneNumber, messageBody, messageId, sentAt }) => ({
      destinationPhoneNumber,
      messageBody,
      messageId,
      sentAt,
    }));
  }
}
