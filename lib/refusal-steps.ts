import { Choice, Condition, Fail, type IChainable, Succeed } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { DetailType } from '../lambdas/domain/events/detail-types.ts';
import { type EventTarget, emitEventAt } from './workflow-steps.ts';

/**
 * The answer to a refused carrier event, entered with a step's `{ outcome: 'REFUSED', refusal }` at
 * `refusalPath` (lambdas/domain/refusal.ts): `Parcel Event Refused` on the bus, then for a malformed event a
 * failed execution with the typed error naming the field (an operator sees it), else a quiet end.
 */
export function answerRefusal(scope: Construct, events: EventTarget, refusalPath = '$.refusal'): IChainable {
  const emit = emitEventAt(
    scope,
    'Emit refused',
    events,
    DetailType.ParcelEventRefused,
    `${refusalPath}.detail`,
  );
  emit.next(
    new Choice(scope, 'Malformed event?')
      .when(
        Condition.isPresent(`${refusalPath}.error`),
        new Fail(scope, 'Event refused', {
          errorPath: `${refusalPath}.error`,
          causePath: `${refusalPath}.cause`,
        }),
      )
      .otherwise(new Succeed(scope, 'Event not applied')),
  );
  return emit;
}
