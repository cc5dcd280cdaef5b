import { Arn, Stack, Token } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import {
  CfnEmailIdentity,
  ConfigurationSet,
  ConfigurationSetTlsPolicy,
  EmailIdentity,
  EmailSendingEvent,
  EventDestination,
  type IConfigurationSet,
  Identity,
} from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import { isEmailAddress } from '../lambdas/domain/identifiers.ts';
import { environmentMismatch } from './same-environment.ts';

/** The SES events a configuration set must publish to the account's default bus: a code email's delivery status. */
export const SES_STATUS_EVENTS: readonly EmailSendingEvent[] = [
  EmailSendingEvent.SEND,
  EmailSendingEvent.DELIVERY,
  EmailSendingEvent.DELIVERY_DELAY,
  EmailSendingEvent.BOUNCE,
  EmailSendingEvent.COMPLAINT,
  EmailSendingEvent.REJECT,
];

/**
 * Whether `email` is on a documentation domain (RFC 2606: `example.com`, `example.net`, `example.org`, or a
 * subdomain): SES can never verify it, so every code email would be refused.
 */
export function isPlaceholderSender(email: string): boolean {
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  return /(^|\.)example\.(com|net|org)$/.test(domain);
}

/** Props for {@link Mail}. */
export interface MailProps {
  /** The From address of every email, on a domain SES verifies (a documentation domain such as example.com fails synth). */
  readonly senderEmail: string;
  /**
   * ARN of an SES identity that already exists and verifies {@link senderEmail}: that email address, or its
   * domain (or a parent domain of it). The send grant names this identity.
   * @default an email identity for the sender address, created here
   */
  readonly senderIdentityArn?: string;
  /**
   * Name of an SES configuration set that already exists; it must publish the {@link SES_STATUS_EVENTS} to the
   * account's default event bus, or no code email gets a delivery status, and should require TLS
   * (`DeliveryOptions.TlsPolicy: REQUIRE`), or a code may travel over plaintext SMTP (docs/integrate.md).
   * @default a configuration set created here, with that event destination and TLS required
   */
  readonly configurationSetName?: string;
}

/** The SES sender identity and configuration set; grants sending from that one address only. */
export class Mail extends Construct {
  /** The From address. */
  public readonly senderEmail: string;
  /** Configuration set every send names (reputation metrics, suppression, delivery status events). */
  public readonly configurationSet: IConfigurationSet;
  /** ARN of the identity SES authorizes sends against: the sender's email identity or its domain's. */
  public readonly identityArn: string;

  constructor(scope: Construct, id: string, props: MailProps) {
    super(scope, id);
    this.senderEmail = props.senderEmail;
    if (!Token.isUnresolved(props.senderEmail) && !isEmailAddress(props.senderEmail))
      throw new Error(`mail.senderEmail must be an email address, got ${props.senderEmail}`);
    if (!Token.isUnresolved(props.senderEmail) && isPlaceholderSender(props.senderEmail))
      throw new Error(
        `mail.senderEmail must be on a domain you verify in SES, not the documentation placeholder ${props.senderEmail.split('@')[1]} (example.com, example.net, example.org and their subdomains never verify): no code email would go out`,
      );
    if (props.senderIdentityArn !== undefined) {
      checkSenderIdentity(this, props.senderIdentityArn, props.senderEmail);
      this.identityArn = props.senderIdentityArn;
    } else {
      refuseSecondIdentity(this, props.senderEmail);
      new EmailIdentity(this, 'Sender', { identity: Identity.email(props.senderEmail) });
      this.identityArn = Arn.format(
        { service: 'ses', resource: 'identity', resourceName: props.senderEmail },
        Stack.of(this),
      );
    }
    if (props.configurationSetName !== undefined) {
      if (
        !Token.isUnresolved(props.configurationSetName) &&
        !/^[A-Za-z0-9_-]{1,64}$/.test(props.configurationSetName)
      )
        throw new Error(
          `mail.configurationSetName must be 1-64 of A-Z a-z 0-9 _ -, got ${props.configurationSetName}`,
        );
      this.configurationSet = ConfigurationSet.fromConfigurationSetName(
        this,
        'ConfigurationSet',
        props.configurationSetName,
      );
    } else {
      const created = new ConfigurationSet(this, 'ConfigurationSet', {
        reputationMetrics: true,
        // A code never travels over plaintext SMTP: SES refuses delivery to a server without TLS.
        tlsPolicy: ConfigurationSetTlsPolicy.REQUIRE,
      });
      // SES publishes to the default bus only; a rule there takes this configuration set's events.
      created.addEventDestination('ToDefaultBus', {
        destination: EventDestination.eventBus(EventBus.fromEventBusName(this, 'DefaultBus', 'default')),
        events: [...SES_STATUS_EVENTS],
      });
      this.configurationSet = created;
    }
  }

  /** Allows `ses:SendEmail` from the sender address only, through this configuration set. */
  grantSend(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [
          this.identityArn,
          Arn.format(
            {
              service: 'ses',
              resource: 'configuration-set',
              resourceName: this.configurationSet.configurationSetName,
            },
            Stack.of(this),
          ),
        ],
        // With a domain identity this is what keeps the grant to the one address.
        conditions: { StringEquals: { 'ses:FromAddress': this.senderEmail } },
      }),
    );
  }
}

/**
 * Refuses an identity ARN that is no SES identity, is of another account or region than `scope`'s stack (the
 * functions send through SES of their own account and region), or whose email or domain does not cover
 * `senderEmail` (SES would refuse every send), naming the props.
 */
function checkSenderIdentity(scope: Construct, arn: string, senderEmail: string): void {
  if (Token.isUnresolved(arn)) return;
  const [, region = '', account = '', identity] =
    /^arn:aws[\w-]*:ses:([a-z0-9-]+):(\d{12}):identity\/(.+)$/.exec(arn) ?? [];
  if (!identity)
    throw new Error(
      `mail.senderIdentityArn must be the ARN of an SES identity, arn:<partition>:ses:<region>:<account>:identity/<email or domain>, got ${arn}`,
    );
  const mismatch = environmentMismatch({ account, region }, scope);
  if (mismatch)
    throw new Error(
      `mail.senderIdentityArn must be in this stack's ${mismatch.part} (${mismatch.own}), not ${mismatch.theirs}: the functions send through SES of their own account and region`,
    );
  if (Token.isUnresolved(senderEmail)) return;
  const sender = senderEmail.toLowerCase();
  const name = identity.toLowerCase();
  const covered = name.includes('@')
    ? sender === name
    : sender.endsWith(`@${name}`) || sender.split('@')[1]?.endsWith(`.${name}`);
  if (!covered)
    throw new Error(
      `mail.senderEmail must be an address the identity mail.senderIdentityArn verifies (${identity}), got ${senderEmail}`,
    );
}

/** Refuses a second SES identity of one address in the stack, which SES would refuse at deploy. */
function refuseSecondIdentity(scope: Construct, senderEmail: string): void {
  const other = Stack.of(scope)
    .node.findAll()
    .find((construct) => construct instanceof CfnEmailIdentity && construct.emailIdentity === senderEmail);
  if (other)
    throw new Error(
      `mail.senderEmail ${senderEmail} is already the SES identity of ${other.node.scope?.node.path}: set mail.senderIdentityArn to that identity's ARN`,
    );
}
