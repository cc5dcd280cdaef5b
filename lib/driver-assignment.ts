import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { DetailType } from '../lambdas/domain/events/detail-types.ts';
import type { DeliveryEvents } from './delivery-events.ts';
import { SecureDeliveryFunction } from './lambda-defaults.ts';

/** Props for {@link DriverAssignment}. */
export interface DriverAssignmentProps {
  readonly table: ITable;
  readonly events: DeliveryEvents;
}

/** `Parcel Out For Delivery` → binds the parcel's open code to the driver carrying it. */
export class DriverAssignment extends Construct {
  /** The function the rule invokes. */
  public readonly assignFunction: SecureDeliveryFunction<'assign-driver'>;

  constructor(scope: Construct, id: string, props: DriverAssignmentProps) {
    super(scope, id);
    this.assignFunction = new SecureDeliveryFunction(this, 'AssignDriver', {
      handlerName: 'assign-driver',
      description: 'Secure Delivery: binds a parcel code to its driver',
      // The binding's attributes only, answering nothing (TABLE_ACCESS): it can neither read nor reopen a code.
    })
      .bindTableAccess('OTP_TABLE_NAME', props.table)
      // A refused Out For Delivery is answered on the bus, and that is all it may put there.
      .bindEventBus(props.events.bus, props.events.ownSource, [DetailType.ParcelEventRefused]);
    props.events.routeToFunction('OutForDeliveryRule', DetailType.ParcelOutForDelivery, this.assignFunction);
  }
}
