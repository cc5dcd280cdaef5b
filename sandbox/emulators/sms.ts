import { randomUUID } from 'node:crypto';
import { Metadata, parsePhoneNumberFromString } from 'libphonenumber-js';
import { AwsJsonError } from './aws-protocol.ts';
import { InFlight } from './in-flight.ts';
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

/**
 * The country a number is in, by its numbering plan; a number no plan knows (a fiction range such as
 * +44 7700 900xxx) by its calling code's main country, as the route would go.
 */
function destinationCountry(destination: string): string | undefined {
  const parsed = parsePhoneNumberFromString(destination);
  if (!parsed) return undefined;
  // The metadata lists each calling code's countries main one first; its typings omit the method.
  const plans = new Metadata() as unknown as { countryCallingCodes(): Record<string, string[]> };
  return parsed.country ?? plans.countryCallingCodes()[parsed.countryCallingCode]?.[0];
}

/** What the sandbox charges per message part unless a test sets a country's price (not AWS's prices). */
const DEFAULT_PRICE_USD = 0.05;

/** An SMS event record on its way to a configuration set's SNS event destination. */
export interface SmsEventPublication {
  readonly topicArn: string;
  readonly configurationSetArn: string;
  /** The event record as End User Messaging SMS writes it (JSON). */
  readonly message: string;
}

/** A configuration set's SNS event destination: its topic and the event types it takes. */
interface SnsEventDestination {
  readonly topicArn: string;
  readonly eventTypes: ReadonlySet<string>;
}

/** After the send, when the mobile network's reports come (seconds on AWS; after the sender stored the message id). */
const EVENT_DELAY_MS = 250;

export class LocalSms {
  readonly sent: SentTextMessage[] = [];
  /** SNS event destinations by configuration set name. */
  private readonly eventDestinations: ReadonlyMap<string, readonly SnsEventDestination[]>;
  /** Tests: the failure event type a destination number's messages end with (delivered unless set). */
  private readonly outcomes = new Map<string, string>();
  private readonly eventListeners: ((event: SmsEventPublication) => void)[] = [];
  private readonly reporting = new InFlight();
  /** Configuration sets by name, with the protect configuration each is associated with. */
  private readonly configurationSets: ReadonlyMap<string, string | undefined>;
  /** Protect configurations by id: each country's rule (`ALLOW`, `BLOCK`). */
  private readonly protectConfigurations: ReadonlyMap<string, ReadonlyMap<string, string>>;
  private readonly prices = new Map<string, number>();
  private failures: { errorCode: string; message: string; left: number }[] = [];

  private readonly arnPrefix: string;

  constructor(resolver: TemplateResolver) {
    this.arnPrefix = `arn:aws:sms-voice:${resolver.env.region}:${resolver.env.accountId}`;
    this.configurationSets = new Map(
      resolver.resourcesOfType('AWS::SMSVOICE::ConfigurationSet').map(([logicalId, resource]) => {
        const protect = resource.Properties?.ProtectConfigurationId;
        return [
          String(resolver.resolve(resource.Properties?.ConfigurationSetName ?? resolver.ref(logicalId))),
          protect === undefined ? undefined : String(resolver.resolve(protect)),
        ];
      }),
    );
    this.eventDestinations = new Map(
      resolver.resourcesOfType('AWS::SMSVOICE::ConfigurationSet').map(([logicalId, resource]) => {
        const destinations = (resolver.resolve(resource.Properties?.EventDestinations) ?? []) as {
          Enabled?: boolean;
          MatchingEventTypes?: string[];
          SnsDestination?: { TopicArn?: string };
        }[];
        return [
          String(resolver.resolve(resource.Properties?.ConfigurationSetName ?? resolver.ref(logicalId))),
          destinations.flatMap((destination) =>
            destination.Enabled && destination.SnsDestination?.TopicArn
              ? [
                  {
                    topicArn: destination.SnsDestination.TopicArn,
                    eventTypes: new Set(destination.MatchingEventTypes ?? []),
                  },
                ]
              : [],
          ),
        ];
      }),
    );
    this.protectConfigurations = new Map(
      resolver.resourcesOfType('AWS::SMSVOICE::ProtectConfiguration').map(([logicalId, resource]) => {
        const rules = (resolver.resolve(resource.Properties?.CountryRuleSet) ?? {}) as {
          SMS?: { CountryCode: string; ProtectStatus: string }[];
        };
        return [
          resolver.getAtt(logicalId, 'ProtectConfigurationId'),
          new Map((rules.SMS ?? []).map((rule) => [rule.CountryCode, rule.ProtectStatus])),
        ];
      }),
    );
  }

  /** Tests: what one message part to `countryCode` costs in US dollars (0.05 unless set), for MaxPrice. */
  setPrice(countryCode: string, usd: number): void {
    this.prices.set(countryCode, usd);
  }

  /** Refuses as End User Messaging does: a country its protect configuration blocks, a price over MaxPrice. */
  private checkProtectionAndPrice(request: Record<string, unknown>, destination: string, body: string): void {
    const country = destinationCountry(destination);
    const setName = String(request.ConfigurationSetName ?? '').replace(/^arn:[^/]+\//, '');
    const protectId =
      typeof request.ProtectConfigurationId === 'string'
        ? request.ProtectConfigurationId
        : this.configurationSets.get(setName);
    const rules = protectId === undefined ? undefined : this.protectConfigurations.get(protectId);
    if (rules && (country === undefined || rules.get(country) === 'BLOCK'))
      throw new AwsJsonError(
        'ConflictException',
        `Conflict Occurred - Reason="DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION" ResourceType="protect-configuration" ResourceId="${protectId}"`,
      );
    if (request.MaxPrice === undefined) return;
    if (typeof request.MaxPrice !== 'string' || !/^[0-9]{0,2}\.[0-9]{1,5}$/.test(request.MaxPrice))
      throw validationError(
        'maxPrice',
        'Member must satisfy regular expression pattern: [0-9]{0,2}\\.[0-9]{1,5}',
      );
    // GSM-7 text goes 160 characters a part (153 when split), anything else 70 (67).
    const gsm =
      /^[\x20-\x7E\n\r\u00A3\u00A5\u00E8\u00E9\u00F9\u00EC\u00F2\u00C7\u00D8\u00F8\u00C5\u00E5\u00C4\u00D6\u00D1\u00DC\u00A7\u00BF\u00E4\u00F6\u00F1\u00FC\u00E0\u00DF\u00C9\u20AC]*$/.test(
        body,
      );
    const [single, split] = gsm ? [160, 153] : [70, 67];
    const parts = body.length <= single ? 1 : Math.ceil(body.length / split);
    const price = parts * (this.prices.get(country ?? '') ?? DEFAULT_PRICE_USD);
    if (price > Number(request.MaxPrice))
      throw new AwsJsonError(
        'ValidationException',
        `Validation Failed - Reason="PRICE_OVER_THRESHOLD": the message costs ${price.toFixed(5)} USD, over MaxPrice ${request.MaxPrice}`,
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
    const context = request.Context;
    if (
      context !== undefined &&
      (typeof context !== 'object' ||
        context === null ||
        Object.keys(context).length > 5 ||
        Object.entries(context).some(
          ([key, value]) => key.length > 100 || typeof value !== 'string' || value.length > 800,
        ))
    )
      throw validationError('context', 'Member must have at most 5 entries of strings');
    this.checkProtectionAndPrice(request, destination, typeof body === 'string' ? body : '');
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
    this.reportDelivery(message, request);
    return { MessageId: message.messageId };
  }

  /**
   * Tests: messages to `destination` fail in the mobile network with `eventType` (e.g. `TEXT_UNREACHABLE`,
   * `TEXT_BLOCKED`) instead of being delivered, as the events to the configuration set's destinations say.
   */
  simulateDeliveryFailure(destination: string, eventType: string): void {
    this.outcomes.set(destination, eventType);
  }

  /** Calls `listener` with every SMS event record for an SNS event destination. */
  onEvent(listener: (event: SmsEventPublication) => void): void {
    this.eventListeners.push(listener);
  }

  /** The mobile network's reports on a message (accepted and delivered, or its failure), to the set's SNS destinations. */
  private reportDelivery(message: SentTextMessage, request: Record<string, unknown>): void {
    const setName = message.configurationSetName?.replace(/^arn:[^/]+\//, '');
    const destinations = setName === undefined ? [] : (this.eventDestinations.get(setName) ?? []);
    if (destinations.length === 0) return;
    const failure = this.outcomes.get(message.destinationPhoneNumber);
    const eventTypes = failure ? [failure] : ['TEXT_SUCCESSFUL', 'TEXT_DELIVERED'];
    const configurationSetArn = `${this.arnPrefix}:configuration-set/${setName}`;
    const reported = new Promise<void>((resolve) => setTimeout(resolve, EVENT_DELAY_MS)).then(() => {
      for (const eventType of eventTypes) {
        const record = smsEventRecord(message, request, eventType);
        for (const destination of destinations)
          if (destination.eventTypes.has(eventType) || destination.eventTypes.has('TEXT_ALL'))
            for (const listener of this.eventListeners)
              listener({
                topicArn: destination.topicArn,
                configurationSetArn,
                message: JSON.stringify(record),
              });
      }
    });
    this.reporting.add(reported);
  }

  /** Waits until every event record due so far went to its destinations. */
  async settled(): Promise<void> {
    await this.reporting.settled();
  }

  /** Whether an event record is still due. */
  get reportPending(): boolean {
    return this.reporting.busy;
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

/** An SMS event record as End User Messaging SMS writes it: the message's fate, its context echoed. */
function smsEventRecord(message: SentTextMessage, request: Record<string, unknown>, eventType: string) {
  const status = eventType.replace(/^TEXT_/, '');
  const now = Date.now();
  return {
    eventType,
    eventVersion: '1.0',
    eventTimestamp: now,
    isFinal: eventType !== 'TEXT_SUCCESSFUL',
    originationPhoneNumber: message.originationIdentity,
    destinationPhoneNumber: message.destinationPhoneNumber,
    isoCountryCode: destinationCountry(message.destinationPhoneNumber) ?? '',
    isInternationalSend: false,
    messageId: message.messageId,
    messageRequestTimestamp: Date.parse(message.sentAt),
    messageEncoding: 'GSM',
    messageType: String(request.MessageType ?? 'TRANSACTIONAL'),
    messageStatus: status,
    messageStatusDescription:
      status === 'DELIVERED' || status === 'SUCCESSFUL'
        ? 'Message has been accepted by phone'
        : 'Message failed',
    ...(request.Context && typeof request.Context === 'object' ? { context: request.Context } : {}),
    totalMessageParts: 1,
    totalMessagePrice: DEFAULT_PRICE_USD,
  };
}
