import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { DetailType } from '../lambdas/domain/events/detail-types.ts';
import type { DeliveryEvents } from './delivery-events.ts';
import type { SmsBinding } from './lambda-defaults.ts';
import { SecureDeliveryFunction } from './lambda-defaults.ts';
import type { Mail } from './mail.ts';

/** Props for {@link HandoverReceipt}. */
export interface HandoverReceiptProps {
  readonly table: ITable;
  /** Who each code is for (email, name, locale): a table apart from the code table. */
  readonly recipientTable: ITable;
  readonly events: DeliveryEvents;
  readonly mail: Mail;
  /**
   * The SMS channel: the receipt goes by SMS when the code email bounced and a phone is on file.
   * @default no SMS: the receipt goes by email only
   */
  readonly sms?: SmsBinding;
}

/** `Parcel Handover Verified` → a receipt email to the recipient, so a handover they did not get is noticed. */
export class HandoverReceipt extends Construct {
  public readonly receiptFunction: SecureDeliveryFunction<'send-receipt'>;

  constructor(scope: Construct, id: string, props: HandoverReceiptProps) {
    super(scope, id);
    this.receiptFunction = new SecureDeliveryFunction(this, 'SendReceipt', {
      handlerName: 'send-receipt',
      description: 'Secure Delivery: emails the handover receipt',
    })
      .bindTable('OTP_TABLE_NAME', props.table, 'dynamodb:GetItem', 'dynamodb:UpdateItem')
      // Address, salutation and language only: never the phone.
      .bindTableAccess('RECIPIENT_TABLE_NAME', props.recipientTable)
      .bindMail(props.mail)
      .bindSms(props.sms)
      .setEnvironment('EMAIL_CLAIM_LEASE_SECONDS');
    props.events.routeToFunction(
      'HandoverVerifiedRule',
      DetailType.HandoverVerified,
      this.receiptFunction,
      props.events.ownSource,
    );
  }
}
