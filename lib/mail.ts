import { Arn, Stack } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import {
  ConfigurationSet,
  EmailIdentity,
  EmailSendingEvent,
  EventDestination,
  Identity,
} from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';

/** Props for {@link Mail}. */
export interface MailProps {
  /** The From address of every email (context `secureDelivery:senderEmail`). */
  readonly senderEmail: string;
  /**
   * Create and verify the sender identity in this stack; set false when it already exists in the account.
   * @default true
   */
  readonly createIdentity?: boolean;
}

/** The SES sender identity and configuration set; grants sending from that one address only. */
export class Mail extends Construct {
  /** The From address. */
  public readonly senderEmail: string;
  /** Configuration set every send names (reputation metrics, suppression). */
  public readonly configurationSet: ConfigurationSet;
  private readonly identityArn: string;

  constructor(scope: Construct, id: string, props: MailProps) {
    super(scope, id);
    this.senderEmail = props.senderEmail;
    if (props.createIdentity ?? true) {
      new EmailIdentity(this, 'Sender', { identity: Identity.email(props.senderEmail) });
    }
    this.configurationSet = new ConfigurationSet(this, 'ConfigurationSet', {
      reputationMetrics: true,
    });
    // SES publishes to the account's default bus only; a rule there takes this configuration set's events.
    this.configurationSet.addEventDestination('ToDefaultBus', {
      destination: EventDestination.eventBus(EventBus.fromEventBusName(this, 'DefaultBus', 'default')),
      events: [
        EmailSendingEvent.SEND,
        EmailSendingEvent.DELIVERY,
        EmailSendingEvent.DELIVERY_DELAY,
        EmailSendingEvent.BOUNCE,
        EmailSendingEvent.COMPLAINT,
        EmailSendingEvent.REJECT,
      ],
    });
    this.identityArn = Arn.format(
      { service: 'ses', resource: 'identity', resourceName: props.senderEmail },
      Stack.of(this),
    );
  }

  /** Allows `ses:SendEmail` from the sender address only, through this configuration set. */
  grantSend(grantee: IGrantable): void {
    const stack = Stack.of(this);
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
            stack,
          ),
        ],
        conditions: { StringEquals: { 'ses:FromAddress': this.senderEmail } },
      }),
    );
  }
}
