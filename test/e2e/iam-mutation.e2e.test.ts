/**
 * Every grant in the template is needed: for each statement that grants an AWS action to a function,
 * state machine or rule (and each Lambda permission), the sandbox runs a copy of the template without it,
 * and at least one end-to-end scenario that used the grant now fails with the denial in the log.
 * Grants map to scenarios through the IAM decisions a baseline run records, so new grants and
 * scenarios need no table here.
 */

import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { beforeAll, describe, expect, it } from 'vitest';
import { codeFromEmail, recipientTableName } from '../../sandbox/app/client.ts';
import { SANDBOX_ENV, type SandboxPorts } from '../../sandbox/app/sandbox.ts';
import { synthesizeTemplate } from '../../sandbox/app/synth.ts';
import type { Decision } from '../../sandbox/emulators/iam.ts';
import type { Template } from '../../sandbox/emulators/template.ts';
import {
  busEventsFor,
  type Harness,
  itemOf,
  markEmailDelayed,
  outForDelivery,
  printFigure,
  readyForHandover,
  runSchedules,
  ship,
  startHarness,
  textsTo,
  wrongCodeFor,
} from '../support/sandbox-harness.ts';
import { freePorts, type Grant, grantsOf, withoutGrant } from '../support/template-mutation.ts';
import { whileBusRefuses, whileFaulty } from './harness.ts';

/** One end-to-end path; throws when the product does not do what it should. */
interface Scenario {
  readonly name: string;
  run(h: Harness, id: string): Promise<void>;
}

const check = (condition: boolean, what: string) => {
  if (!condition) throw new Error(what);
};

const busEvent = async (h: Harness, detailType: string, parcelId: string) =>
  (await busEventsFor(h, detailType, parcelId)).length > 0;

const onFailureDestination = (lines: string[]) =>
  lines.some((line) =>
    /asynchronous invocation failed: .* -> sent to its on-failure destination /.test(line),
  );

/** A phone number of its own for each scenario run (E.164, digits from the parcel id). */
const phoneFor = (id: string) =>
  `+4915${[...id]
    .reduce((sum, char) => (sum * 31 + char.charCodeAt(0)) % 100_000_000, 7)
    .toString()
    .padStart(8, '0')}`;

/** A recipient at SES's mailbox simulator (`bounce` or `success`), with a phone unless `phone` is false. */
const simulatorRecipient = (id: string, mailbox: 'bounce' | 'success', phone = true) => ({
  recipient: {
    email: `${mailbox}+${id.toLowerCase()}@simulator.amazonses.com`,
    name: 'Alex Example',
    locale: 'de-DE',
    ...(phone ? { phone: phoneFor(id) } : {}),
  },
});

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** A compact set that exercises every path the stack grants something for. */
const SCENARIOS: readonly Scenario[] = [
  {
    name: 'issue and email a code',
    async run(h, id) {
      const { emails } = await ship(h, id);
      check(emails.length === 1 && codeFromEmail(emails[0]?.text ?? '') !== undefined, 'one code email');
      check(await busEvent(h, 'Delivery Otp Issued', id), 'Delivery Otp Issued on the bus');
    },
  },
  {
    name: 'no code for a low-value parcel',
    async run(h, id) {
      await ship(h, id, { declaredValue: { amount: 10, currency: 'EUR' } });
      check(await busEvent(h, 'Delivery Otp Not Required', id), 'Delivery Otp Not Required on the bus');
    },
  },
  {
    name: 'out for delivery binds the driver',
    async run(h, id) {
      await ship(h, id);
      await outForDelivery(h, id, 'D-1');
      check((await itemOf(h, id))?.driverId?.S === 'D-1', 'driver bound');
    },
  },
  {
    name: 'verify a wrong code',
    async run(h, id) {
      const { code, token } = await readyForHandover(h, id, 'D-1');
      const answer = await h.client.verify(id, { code: wrongCodeFor(code) }, token);
      check(answer.status === 422, `wrong code answers 422, got ${answer.status}`);
    },
  },
  {
    name: 'verify the right code, handover event and receipt',
    async run(h, id) {
      const { code, token, recipient } = await readyForHandover(h, id, 'D-1');
      const answer = await h.client.verify(id, { code }, token);
      await h.sandbox.settled();
      check(answer.status === 200, `right code answers 200, got ${answer.status}`);
      check(await busEvent(h, 'Parcel Handover Verified', id), 'Parcel Handover Verified on the bus');
      check((await h.client.emailsTo(recipient)).length === 2, 'receipt email');
      check((await itemOf(h, id))?.receiptStatus?.S === 'SENT', 'receipt recorded');
    },
  },
  {
    name: 'track the code as the recipient',
    async run(h, id) {
      const { recipient } = await ship(h, id);
      const answer = await h.client.track(id, recipient);
      check(answer.status === 200, `track answers 200, got ${answer.status}`);
    },
  },
  {
    name: 'resend the code',
    async run(h, id) {
      const { recipient } = await ship(h, id);
      const answer = await h.client.resend(id, recipient);
      check(answer.status === 202, `resend answers 202, got ${answer.status}`);
      check((await h.client.emailsTo(recipient)).length === 2, 'resent email');
    },
  },
  {
    name: 'reissue after a failed attempt',
    async run(h, id) {
      const { recipient } = await readyForHandover(h, id, 'D-1');
      await h.client.publish([
        {
          detailType: 'Delivery Attempt Failed',
          detail: { parcelId: id, driverId: 'D-1', reason: 'NOBODY_HOME', nextAttemptDate: inDays(2) },
        },
      ]);
      await h.sandbox.settled();
      check((await h.client.emailsTo(recipient)).length === 2, 'reissued code email');
      check(await busEvent(h, 'Delivery Otp Reissued', id), 'Delivery Otp Reissued on the bus');
    },
  },
  {
    name: 'a failing out-for-delivery goes to the on-failure destination',
    async run(h, id) {
      await ship(h, id);
      const from = h.logs.length;
      await whileFaulty(
        h.sandbox.faults.dynamodb,
        { operation: 'DynamoDB_20120810.UpdateItem', status: 500, errorCode: 'InternalServerError' },
        () => outForDelivery(h, id, 'D-1'),
      );
      check(onFailureDestination(h.logs.slice(from)), 'event on the on-failure destination');
    },
  },
  {
    name: 'a failing receipt goes to the on-failure destination',
    async run(h, id) {
      const { code, token } = await readyForHandover(h, id, 'D-1');
      const from = h.logs.length;
      await whileFaulty(
        h.sandbox.faults.ses,
        { operation: 'SendEmail', status: 500, errorCode: 'InternalFailure' },
        async () => {
          await h.client.verify(id, { code }, token);
          await h.sandbox.settled();
        },
      );
      check(onFailureDestination(h.logs.slice(from)), 'event on the on-failure destination');
    },
  },
  {
    name: 'a handover the bus does not take goes to the pipe’s dead-letter queue',
    async run(h, id) {
      const { code, token } = await readyForHandover(h, id, 'D-1');
      const before = h.sandbox.pipes.deadLetters.length;
      await whileBusRefuses(h.sandbox.bus, 'Parcel Handover Verified', async () => {
        const answer = await h.client.verify(id, { code }, token);
        await h.sandbox.settled();
        check(answer.status === 200, `right code answers 200, got ${answer.status}`);
      });
      check(
        h.sandbox.pipes.deadLetters.length === before + 1,
        'stream batch on the pipe’s dead-letter queue',
      );
    },
  },
  {
    name: 'a bounced code email goes by SMS, and its status shows on Track',
    async run(h, id) {
      const { recipient } = await ship(h, id, simulatorRecipient(id, 'bounce'));
      await h.sandbox.settled();
      check((await textsTo(h.sandbox, phoneFor(id))).length === 1, 'one code SMS after the bounce');
      const answer = await h.client.track(id, recipient);
      const delivery = (answer.body as { delivery?: { email?: string; sms?: string } }).delivery;
      check(delivery?.email === 'BOUNCED', `Track shows BOUNCED, got ${JSON.stringify(delivery)}`);
      check(delivery?.sms === 'DELIVERED', `Track shows the SMS DELIVERED, got ${JSON.stringify(delivery)}`);
    },
  },
  {
    name: 'a code SMS the network cannot deliver, after a bounce, is reported undeliverable',
    async run(h, id) {
      h.sandbox.sms.simulateDeliveryFailure(phoneFor(id), 'TEXT_BLOCKED');
      const { recipient } = await ship(h, id, simulatorRecipient(id, 'bounce'));
      await h.sandbox.settled();
      const answer = await h.client.track(id, recipient);
      const delivery = (answer.body as { delivery?: { sms?: string } }).delivery;
      check(delivery?.sms === 'FAILED', `Track shows the SMS FAILED, got ${JSON.stringify(delivery)}`);
      check(await busEvent(h, 'Delivery Otp Undeliverable', id), 'Delivery Otp Undeliverable on the bus');
    },
  },
  {
    name: 'an SMS report that cannot be handled goes to the on-failure destination',
    async run(h, id) {
      h.sandbox.sms.simulateDeliveryFailure(phoneFor(id), 'TEXT_BLOCKED');
      const from = h.logs.length;
      await whileBusRefuses(h.sandbox.bus, 'Delivery Otp Undeliverable', async () => {
        await ship(h, id, simulatorRecipient(id, 'bounce'));
        await h.sandbox.settled();
      });
      check(
        h.logs
          .slice(from)
          .some((line) =>
            /RecordSmsDelivery\w* asynchronous invocation failed: .* -> sent to its on-failure/.test(line),
          ),
        'SMS report on the on-failure destination',
      );
    },
  },
  {
    name: 'a delivered code email shows DELIVERED on Track',
    async run(h, id) {
      const { recipient } = await ship(h, id, simulatorRecipient(id, 'success'));
      await h.sandbox.settled();
      const answer = await h.client.track(id, recipient);
      const delivery = (answer.body as { delivery?: { email?: string } }).delivery;
      check(delivery?.email === 'DELIVERED', `Track shows DELIVERED, got ${JSON.stringify(delivery)}`);
    },
  },
  {
    name: 'a bounced code email without a phone is reported undeliverable',
    async run(h, id) {
      await ship(h, id, simulatorRecipient(id, 'bounce', false));
      await h.sandbox.settled();
      check(await busEvent(h, 'Delivery Otp Undeliverable', id), 'Delivery Otp Undeliverable on the bus');
    },
  },
  {
    name: 'resend the code by SMS',
    async run(h, id) {
      const { recipient } = await ship(h, id, simulatorRecipient(id, 'success'));
      const answer = await h.client.resend(id, recipient, {
        channel: 'SMS',
      });
      check(answer.status === 202, `SMS resend answers 202, got ${answer.status}`);
      check((await textsTo(h.sandbox, phoneFor(id))).length === 1, 'one resent SMS');
    },
  },
  {
    name: 'a reissued code follows the channel that worked: SMS after a bounce',
    async run(h, id) {
      await ship(h, id, simulatorRecipient(id, 'bounce'));
      await h.sandbox.settled();
      await outForDelivery(h, id, 'D-1');
      await h.client.publish([
        {
          detailType: 'Delivery Attempt Failed',
          detail: { parcelId: id, driverId: 'D-1', reason: 'NOBODY_HOME', nextAttemptDate: inDays(2) },
        },
      ]);
      await h.sandbox.settled();
      check((await textsTo(h.sandbox, phoneFor(id))).length === 2, 'the reissued code by SMS');
    },
  },
  {
    name: 'a long-delayed code email goes by SMS after the sweep',
    async run(h, id) {
      await ship(h, id, simulatorRecipient(id, 'success'));
      await markEmailDelayed(h.sandbox, id, 45);
      await runSchedules(h.sandbox);
      check((await textsTo(h.sandbox, phoneFor(id))).length === 1, 'one code SMS after the sweep');
    },
  },
  {
    name: 'a long-delayed code email without a phone is reported undeliverable by the sweep',
    async run(h, id) {
      await ship(h, id, simulatorRecipient(id, 'success', false));
      await markEmailDelayed(h.sandbox, id, 45);
      await runSchedules(h.sandbox);
      check(await busEvent(h, 'Delivery Otp Undeliverable', id), 'Delivery Otp Undeliverable on the bus');
    },
  },
  {
    name: 'a delivery report that cannot be handled goes to the on-failure destination',
    async run(h, id) {
      const from = h.logs.length;
      await whileBusRefuses(h.sandbox.bus, 'Delivery Otp Undeliverable', async () => {
        await ship(h, id, simulatorRecipient(id, 'bounce', false));
        await h.sandbox.settled();
      });
      check(onFailureDestination(h.logs.slice(from)), 'event on the on-failure destination');
    },
  },
  {
    name: 'a sweep that cannot report goes to the on-failure destination',
    async run(h, id) {
      await ship(h, id, simulatorRecipient(id, 'success', false));
      const from = h.logs.length;
      await whileBusRefuses(h.sandbox.bus, 'Delivery Otp Undeliverable', async () => {
        await markEmailDelayed(h.sandbox, id, 45);
        await runSchedules(h.sandbox);
      });
      check(onFailureDestination(h.logs.slice(from)), 'event on the on-failure destination');
    },
  },
  {
    name: 'a Parcel Shipped after the cancellation keeps no recipient',
    async run(h, id) {
      await h.client.publish([{ detailType: 'Shipment Cancelled', detail: { parcelId: id } }]);
      await h.sandbox.settled();
      await ship(h, id);
      const table = await recipientTableName(h.ddb);
      const kept = await h.ddb.send(new GetItemCommand({ TableName: table, Key: { parcelId: { S: id } } }));
      check(kept.Item === undefined, 'no recipient kept for a closed parcel');
    },
  },
  {
    name: 'an Out For Delivery for a cancelled parcel is refused as PARCEL_CLOSED',
    async run(h, id) {
      await ship(h, id);
      await h.client.publish([{ detailType: 'Shipment Cancelled', detail: { parcelId: id } }]);
      await h.sandbox.settled();
      await outForDelivery(h, id, 'D-1');
      const refusals = await busEventsFor(h, 'Parcel Event Refused', id);
      check(
        refusals.some((refusal) => refusal.reason === 'PARCEL_CLOSED'),
        'Parcel Event Refused with reason PARCEL_CLOSED',
      );
    },
  },
  {
    name: 'an Out For Delivery stamped days ahead is answered with Parcel Event Refused',
    async run(h, id) {
      await ship(h, id);
      const { eventBusName, eventSource } = h.sandbox.endpoints;
      await h.client.events.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: eventBusName,
              Source: eventSource,
              DetailType: 'Parcel Out For Delivery',
              Detail: JSON.stringify({ parcelId: id, driverId: 'D-1', deliveryDate: inDays(1) }),
              Time: new Date(Date.now() + 2 * 86_400_000),
            },
          ],
        }),
      );
      await h.sandbox.settled();
      check(await busEvent(h, 'Parcel Event Refused', id), 'Parcel Event Refused on the bus');
    },
  },
  {
    name: 'the handover receipt goes by SMS after the code email bounced',
    async run(h, id) {
      await ship(h, id, simulatorRecipient(id, 'bounce'));
      await h.sandbox.settled();
      const code = /\b(\d{6})\b/.exec((await textsTo(h.sandbox, phoneFor(id)))[0]?.messageBody ?? '')?.[1];
      await outForDelivery(h, id, 'D-1');
      const answer = await h.client.verify(id, { code: code ?? '' }, await h.client.driverToken('D-1'));
      await h.sandbox.settled();
      check(answer.status === 200, `right code answers 200, got ${answer.status}`);
      check((await textsTo(h.sandbox, phoneFor(id))).length === 2, 'the receipt by SMS');
    },
  },
  {
    name: 'revoke on cancellation',
    async run(h, id) {
      await ship(h, id);
      await h.client.publish([{ detailType: 'Shipment Cancelled', detail: { parcelId: id } }]);
      await h.sandbox.settled();
      check(await busEvent(h, 'Delivery Otp Revoked', id), 'Delivery Otp Revoked on the bus');
    },
  },
];

/**
 * Services whose calls the sandbox does not emulate, so it cannot show their grants are needed:
 * CloudWatch Logs and X-Ray (Lambda and Step Functions write logs and traces outside the handlers).
 */
const NOT_EMULATED = /^(logs|xray):/;

const wildcard = (pattern: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');

/** Whether a recorded decision is one this grant could have allowed. */
function usedBy(grant: Grant, decision: Decision): boolean {
  if (!decision.allowed) return false;
  if (grant.roleId) {
    return (
      decision.roleId === grant.roleId &&
      grant.actions.some((action) => wildcard(action).test(decision.action))
    );
  }
  return (
    decision.roleId === undefined &&
    decision.principal === grant.servicePrincipal &&
    decision.resource.endsWith(`:function:${grant.functionId}`)
  );
}

/** The principal a denial of this grant names in the log. */
const deniedPrincipal = (grant: Grant) =>
  grant.roleId ? `assumed-role/${grant.roleId}/` : `${grant.servicePrincipal} `;

let counter = 0;

async function runScenario(h: Harness, scenario: Scenario): Promise<string | undefined> {
  const id = `MUT-${++counter}`;
  try {
    await scenario.run(h, id);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

describe('IAM mutation: every grant in the template is needed', () => {
  let template: Template;
  let ports: SandboxPorts;
  /** Scenario names by grant label, from the baseline's decisions. */
  const scenariosFor = new Map<Grant, Scenario[]>();
  let grants: Grant[] = [];
  let skipped: Grant[] = [];

  beforeAll(async () => {
    template = synthesizeTemplate(SANDBOX_ENV);
    ports = await freePorts();
    const all = grantsOf(template);
    grants = all.filter((grant) => !grant.actions.every((action) => NOT_EMULATED.test(action)));
    skipped = all.filter((grant) => !grants.includes(grant));
    const logs: string[] = [];
    const h = await startHarness(logs, { template, ports });
    try {
      for (const scenario of SCENARIOS) {
        const from = h.sandbox.iam.decisions.length;
        const failure = await runScenario(h, scenario);
        if (failure) throw new Error(`baseline scenario "${scenario.name}" fails: ${failure}`);
        const decisions = h.sandbox.iam.decisions.slice(from);
        for (const grant of grants) {
          if (decisions.some((decision) => usedBy(grant, decision)))
            scenariosFor.set(grant, [...(scenariosFor.get(grant) ?? []), scenario]);
        }
      }
      const denied = h.sandbox.iam.decisions.filter((decision) => !decision.allowed);
      if (denied.length > 0) throw new Error(`baseline denied ${JSON.stringify(denied)}`);
    } finally {
      await h.stop();
    }
  }, 120_000);

  it('skips only grants for services the sandbox does not emulate', () => {
    printFigure(
      `  iam mutation grants=${grants.length} skipped=${skipped.length} (${skipped.map((grant) => grant.label).join('; ')})`,
    );
    expect(skipped.flatMap((grant) => grant.actions).filter((action) => !NOT_EMULATED.test(action))).toEqual(
      [],
    );
    expect(grants.length).toBeGreaterThan(10);
  });

  it('uses every other grant in at least one scenario', () => {
    const unused = grants.filter((grant) => !scenariosFor.has(grant)).map((grant) => grant.label);

    expect(unused).toEqual([]);
  });

  it('fails a scenario, with the denial in the log, without any one of those grants', async () => {
    const survivors: string[] = [];
    for (const grant of grants) {
      const scenarios = scenariosFor.get(grant) ?? [];
      if (scenarios.length === 0) continue;
      const logs: string[] = [];
      const h = await startHarness(logs, { template: withoutGrant(template, grant), ports });
      let killedBy: string | undefined;
      try {
        for (const scenario of scenarios) {
          const failure = await runScenario(h, scenario);
          const denial = logs.some(
            (line) =>
              line.includes('AccessDenied') &&
              line.includes(deniedPrincipal(grant)) &&
              grant.actions.some((action) => line.includes(` ${action.split('*')[0]}`)),
          );
          if (failure && denial) {
            killedBy = `${scenario.name}: ${failure}`;
            break;
          }
        }
      } finally {
        await h.stop();
      }
      printFigure(
        `  iam mutation ${killedBy ? 'killed ' : 'SURVIVED'} ${grant.label}${killedBy ? ` (${killedBy})` : ''}`,
      );
      if (!killedBy) survivors.push(grant.label);
    }

    expect(survivors).toEqual([]);
  }, 900_000);
});
