import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { DetailType } from '../lambdas/domain/events/detail-types.ts';
import type { DeliveryEvents } from './delivery-events.ts';
import { SecureDeliveryFunction } from './lambda-defaults.ts';
import type { Mail } from './mail.ts';

/** Props for {@link HandoverReceipt}. */
export interface HandoverReceiptProps {
  readonly table: ITable;
  /** Who each code is for (email, name, locale): a table apart from the code table. */
  readonly recipientTable: ITable;
  readonly events: DeliveryEvents;
  readonly mail: Mail;
}

/** `Parcel Handover Verified` → a receipt email to the recipient, so a handover they did not get is noticed. */
export class HandoverReceipt extends Construct {
  public readonly receiptFunction: SecureDeliveryFunction;

  constructor(scope: Construct, id: string, props: HandoverReceiptProps) {
    super(scope, id);
    this.receiptFunction = new SecureDeliveryFunction(this, 'SendReceipt', {
      handlerName: 'send-receipt',
      description: 'Secure Delivery: emails the handover receipt',
      environment: {
        OTP_TABLE_NAME: props.table.tableName,
        RECIPIENT_TABLE_NAME: props.recipientTable.tableName,
        SENDER_EMAIL: props.mail.senderEmail,
        SES_CONFIGURATION_SET: props.mail.configurationSet.configurationSetName,
      },
    });
    props.table.grant(this.receiptFunction, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    props.recipientTable.grant(this.receiptFunction, 'dynamodb:GetItem');
    props.mail.grantSend(this.receiptFunction);
    props.events.routeToFunction(
      'HandoverVerifiedRule',
      DetailType.HandoverVerified,
      this.receiptFunction,
      props.events.ownSource,
    );
  }
}
