import { describe, expect, it } from 'vitest';
import { transformInput } from '../../sandbox/emulators/eventbridge/rules.ts';

const rule = { name: 'Rule', arn: 'arn:aws:events:eu-central-1:000000000000:rule/Rule' };

/** An SES event as EventBridge delivers it: the recipient's address in several places. */
const bounce = {
  'detail-type': 'Email Bounced',
  source: 'aws.ses',
  detail: {
    eventType: 'Bounce',
    mail: {
      messageId: 'm-1',
      destination: ['alex@example.com'],
      commonHeaders: { to: ['alex@example.com'] },
      tags: { parcel: ['UEFSQ0VMLTE'] },
    },
    bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: 'alex@example.com' }] },
  },
};

describe('EventBridge input transformer (sandbox)', () => {
  it('fills each variable from its JSON path (strings quoted, arrays as JSON) and passes nothing else', () => {
    // Prepare: the template CDK's RuleTargetInput.fromObject writes (placeholders outside quotes).
    const transformer = {
      pathsMap: {
        'detail-type': '$.detail-type',
        type: '$.detail.eventType',
        id: '$.detail.mail.messageId',
        parcel: '$.detail.mail.tags.parcel',
        bounceType: '$.detail.bounce.bounceType',
      },
      template:
        '{"detail-type":<detail-type>,"detail":{"eventType":<type>,"mail":{"messageId":<id>,"tags":{"parcel":<parcel>}},"bounce":{"bounceType":<bounceType>}},"rule":"<aws.events.rule-name>"}',
    };

    // Act
    const input = transformInput(transformer, bounce, rule);

    // Assess
    expect(input).toEqual({
      'detail-type': 'Email Bounced',
      detail: {
        eventType: 'Bounce',
        mail: { messageId: 'm-1', tags: { parcel: ['UEFSQ0VMLTE'] } },
        bounce: { bounceType: 'Permanent' },
      },
      rule: 'Rule',
    });
    expect(JSON.stringify(input)).not.toContain('alex@example.com');
  });
});
