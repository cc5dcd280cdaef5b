import { randomUUID } from 'node:crypto';
import { sendingIdentityOf } from './iam-ses-actions.ts';
import type { TemplateResolver } from './template.ts';

/** The domain of SES's mailbox simulator. */
const SIMULATOR_DOMAIN = 'simulator.amazonses.com';

/** What SES's mailbox simulator does with mail to one address; any address outside it is delivered. */
export type SimulatedFate = 'DELIVERED' | 'BOUNCE' | 'OOTO' | 'COMPLAINT' | 'SUPPRESSED';

/**
 * The simulator's fate of a recipient (`success@`, `bounce@`, `ooto@`, `complaint@`,
 * `suppressionlist@simulator.amazonses.com`, each also with a `+label`); everything else is delivered.
 */
function simulatedFate(address: string): SimulatedFate {
  const [local = '', domain = ''] = address.toLowerCase().split('@');
  if (domain !== SIMULATOR_DOMAIN) return 'DELIVERED';
  const mailbox = local.split('+')[0];
  if (mailbox === 'bounce') return 'BOUNCE';
  if (mailbox === 'ooto') return 'OOTO';
  if (mailbox === 'complaint') return 'COMPLAINT';
  if (mailbox === 'suppressionlist') return 'SUPPRESSED';
  return 'DELIVERED';
}

/** A message SES accepted, as its events describe it. */
export interface AcceptedMessage {
  readonly messageId: string;
  readonly source: string;
  readonly destination: readonly string[];
  readonly subject: string;
  readonly configurationSetName?: string;
  /** Message tags the caller set (`Tags` in v1, `EmailTags` in v2). */
  readonly tags: Readonly<Record<string, string>>;
}

/** An event as SES hands it to EventBridge. */
export interface SesServiceEvent {
  readonly source: 'aws.ses';
  readonly detailType: string;
  readonly resources: string[];
  readonly detail: Record<string, unknown>;
  readonly eventBusName: string;
}

/**
 * After the send, when the simulator's delivery or bounce is reported (SES takes seconds; the sandbox a
 * fraction, still after the sender has stored the message id under load), and the complaint after that.
 */
const DELIVERY_DELAY_MS = 250;
const COMPLAINT_DELAY_MS = 400;

/** SES's event types (as `MatchingEventTypes` names them), their `eventType` and EventBridge detail-type. */
const EVENT_TYPES = {
  send: { eventType: 'Send', detailType: 'Email Sent' },
  delivery: { eventType: 'Delivery', detailType: 'Email Delivered' },
  bounce: { eventType: 'Bounce', detailType: 'Email Bounced' },
  complaint: { eventType: 'Complaint', detailType: 'Email Complaint Received' },
  reject: { eventType: 'Reject', detailType: 'Email Rejected' },
  deliveryDelay: { eventType: 'DeliveryDelay', detailType: 'Email Delivery Delayed' },
} as const;
type EventTypeName = keyof typeof EVENT_TYPES;

interface EventBridgeDestination {
  readonly configurationSetName: string;
  readonly matching: ReadonlySet<string>;
  readonly eventBusArn: string;
}

/**
 * SES's event publishing for the sandbox: the template's configuration-set event destinations with an
 * EventBridge destination, and the events SES would publish for one accepted message through the mailbox
 * simulator (Send; then Delivery, Bounce, or Delivery and Complaint), in SES's detail shape.
 */
export class SesEventPublishing {
  private readonly destinations: EventBridgeDestination[];

  constructor(private readonly resolver: TemplateResolver) {
    this.destinations = resolver
      .resourcesOfType('AWS::SES::ConfigurationSetEventDestination')
      .flatMap(([, resource]) => {
        const properties = resolver.resolve(resource.Properties ?? {}) as {
          ConfigurationSetName?: string;
          EventDestination?: {
            Enabled?: boolean;
            MatchingEventTypes?: string[];
            EventBridgeDestination?: { EventBusArn?: string };
          };
        };
        const destination = properties.EventDestination;
        const busArn = destination?.EventBridgeDestination?.EventBusArn;
        if (!properties.ConfigurationSetName || !busArn || destination?.Enabled === false) return [];
        return [
          {
            configurationSetName: String(properties.ConfigurationSetName),
            matching: new Set(destination?.MatchingEventTypes ?? []),
            eventBusArn: String(busArn),
          },
        ];
      });
  }

  /** The events SES publishes for `message`, in the order it publishes them, each after `delayMs`. */
  eventsFor(message: AcceptedMessage, now = new Date()): { delayMs: number; event: SesServiceEvent }[] {
    if (!message.configurationSetName) return [];
    const destinations = this.destinations.filter(
      (destination) => destination.configurationSetName === message.configurationSetName,
    );
    if (destinations.length === 0) return [];
    const fates = message.destination.map((address) => ({ address, fate: simulatedFate(address) }));
    const delivered = fates.filter(
      ({ fate }) => fate === 'DELIVERED' || fate === 'OOTO' || fate === 'COMPLAINT',
    );
    const bounced = fates.filter(({ fate }) => fate === 'BOUNCE' || fate === 'SUPPRESSED');
    const complained = fates.filter(({ fate }) => fate === 'COMPLAINT');
    const at = (offsetMs: number) => new Date(now.getTime() + offsetMs).toISOString();
    const planned: { delayMs: number; type: EventTypeName; body: Record<string, unknown> }[] = [
      { delayMs: 20, type: 'send', body: { send: {} } },
    ];
    if (delivered.length > 0)
      planned.push({
        delayMs: DELIVERY_DELAY_MS,
        type: 'delivery',
        body: {
          delivery: {
            timestamp: at(DELIVERY_DELAY_MS),
            processingTimeMillis: DELIVERY_DELAY_MS,
            recipients: delivered.map(({ address }) => address),
            smtpResponse: '250 2.6.0 Message received',
            reportingMTA: 'a8-70.smtp-out.amazonses.com',
          },
        },
      });
    if (bounced.length > 0) {
      const suppressed = bounced.every(({ fate }) => fate === 'SUPPRESSED');
      planned.push({
        delayMs: DELIVERY_DELAY_MS,
        type: 'bounce',
        body: {
          bounce: {
            feedbackId: `${randomUUID()}-000000`,
            bounceType: 'Permanent',
            bounceSubType: suppressed ? 'Suppressed' : 'General',
            bouncedRecipients: bounced.map(({ address, fate }) => ({
              emailAddress: address,
              action: 'failed',
              status: '5.1.1',
              diagnosticCode:
                fate === 'SUPPRESSED'
                  ? 'Amazon SES has suppressed sending to this address because it has a recent history of bouncing as an invalid address.'
                  : 'smtp; 550 5.1.1 user unknown',
            })),
            timestamp: at(DELIVERY_DELAY_MS),
            reportingMTA: 'dns; amazonses.com',
          },
        },
      });
    }
    if (complained.length > 0)
      planned.push({
        delayMs: COMPLAINT_DELAY_MS,
        type: 'complaint',
        body: {
          complaint: {
            feedbackId: `${randomUUID()}-000000`,
            complaintSubType: null,
            complainedRecipients: complained.map(({ address }) => ({ emailAddress: address })),
            timestamp: at(COMPLAINT_DELAY_MS),
            userAgent: 'Amazon SES Mailbox Simulator',
            complaintFeedbackType: 'abuse',
            arrivalDate: at(COMPLAINT_DELAY_MS),
          },
        },
      });
    const { region, accountId } = this.resolver.env;
    const configurationSetArn = `arn:aws:ses:${region}:${accountId}:configuration-set/${message.configurationSetName}`;
    const fromAddress = /<([^<>]*)>\s*$/.exec(message.source)?.[1] ?? message.source.trim();
    const fromDomain = fromAddress.split('@')[1] ?? '';
    const mail = {
      timestamp: now.toISOString(),
      source: message.source,
      // The identity the message was sent as: the template's address identity, or its domain's.
      sourceArn: `arn:aws:ses:${region}:${accountId}:identity/${sendingIdentityOf(this.resolver, fromAddress)}`,
      sendingAccountId: accountId,
      messageId: message.messageId,
      destination: [...message.destination],
      headersTruncated: false,
      commonHeaders: {
        from: [message.source],
        to: [...message.destination],
        messageId: message.messageId,
        subject: message.subject,
      },
      tags: {
        'ses:configuration-set': [message.configurationSetName],
        'ses:source-ip': ['127.0.0.1'],
        'ses:from-domain': [fromDomain],
        'ses:caller-identity': ['sandbox'],
        ...Object.fromEntries(Object.entries(message.tags).map(([name, value]) => [name, [value]])),
      },
    };
    return destinations.flatMap((destination) =>
      planned
        .filter(({ type }) => destination.matching.has(type))
        .map(({ delayMs, type, body }) => ({
          delayMs,
          event: {
            source: 'aws.ses' as const,
            detailType: EVENT_TYPES[type].detailType,
            resources: [configurationSetArn],
            detail: { eventType: EVENT_TYPES[type].eventType, mail, ...body },
            eventBusName: destination.eventBusArn,
          },
        })),
    );
  }
}
