import { App } from 'aws-cdk-lib';
import { Template as CdkTemplate } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TABLE_ACCESS } from '../../lambdas/contracts/table-access.ts';
import { SecureDeliveryStack } from '../../lib/secure-delivery-stack.ts';
import { type Template, TemplateResolver } from '../../sandbox/emulators/template.ts';
import { simulate, simulatorView } from '../support/iam-simulation.ts';
import { REQUIRED_CONTEXT } from '../support/stack-settings.ts';
import { roleOfFunction } from '../support/template-mutation.ts';

// The synthesized policies, their Fn::* resolved to plain ARNs, evaluated the way AWS evaluates them
// (@cloud-copilot/iam-simulate with AWS's service reference). The request context is written out as
// DynamoDB defines it: dynamodb:Attributes the top-level attributes a request names (key, expressions,
// projection), dynamodb:ReturnValues always set (NONE by default), dynamodb:Select for reads.
const env = { region: 'eu-central-1', accountId: '123456789012', stackName: 'IamTableAccess' };

let resolver: TemplateResolver;
let template: Template;
let view: ReturnType<typeof simulatorView>;

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...REQUIRED_CONTEXT } });
  const stack = new SecureDeliveryStack(app, env.stackName, {
    env: { account: env.accountId, region: env.region },
  });
  template = CdkTemplate.fromStack(stack).toJSON() as Template;
  resolver = new TemplateResolver(template, env);
  view = simulatorView(resolver);
}, 60_000);

const tableArn = (prefix: string) => {
  const [id] = resolver
    .resourcesOfType('AWS::DynamoDB::Table')
    .find(([logicalId]) => logicalId.startsWith(prefix)) ?? [''];
  return resolver.arn(id);
};

/** What `handler`'s role is told for a DynamoDB request with these condition keys. */
async function dynamodb(
  handler: string,
  action: string,
  table: 'OtpTable' | 'RecipientTable',
  context: Record<string, string | string[]>,
): Promise<string> {
  const { roleId } = roleOfFunction(template, new RegExp(`lambdas/${handler}/`));
  return simulate({
    principal: view.sessionOf(roleId),
    identityPolicies: view.policiesOf(roleId),
    action: `dynamodb:${action}`,
    resource: tableArn(table),
    accountId: env.accountId,
    context,
  });
}

const update = (attributes: readonly string[], returnValues = 'NONE') => ({
  'dynamodb:Attributes': [...attributes],
  'dynamodb:ReturnValues': returnValues,
});
const read = (attributes: readonly string[], select = 'SPECIFIC_ATTRIBUTES') => ({
  'dynamodb:Attributes': [...attributes],
  'dynamodb:Select': select,
});

const VERIFY = TABLE_ACCESS['verify-otp'].OTP_TABLE_NAME;
const ASSIGN = TABLE_ACCESS['assign-driver'].OTP_TABLE_NAME;

describe('verify and assign-driver on the code table, evaluated as AWS evaluates them', () => {
  it('lets verify write its verdict and counters, answering nothing', async () => {
    // Act
    const verdict = await dynamodb('verify-otp', 'UpdateItem', 'OtpTable', update(VERIFY.update.attributes));
    const counters = await dynamodb(
      'verify-otp',
      'UpdateItem',
      'OtpTable',
      update(['parcelId', 'wrongAttempts', 'totalWrongAttempts', 'codeHash', 'status'], 'NONE'),
    );

    // Assess
    expect([verdict, counters]).toEqual(['Allowed', 'Allowed']);
  });

  it.each(['ALL_NEW', 'ALL_OLD', 'UPDATED_OLD', 'UPDATED_NEW'])(
    'denies verify and assign-driver an UpdateItem asking for %s',
    async (returnValues) => {
      // Act
      const verify = await dynamodb(
        'verify-otp',
        'UpdateItem',
        'OtpTable',
        update(['parcelId'], returnValues),
      );
      const assign = await dynamodb(
        'assign-driver',
        'UpdateItem',
        'OtpTable',
        update(['parcelId'], returnValues),
      );

      // Assess
      expect([verify, assign]).toEqual(['ImplicitlyDenied', 'ImplicitlyDenied']);
    },
  );

  it.each([
    'receiptStatus',
    'emailStatus',
    'smsStatus',
    'delayedShard',
    'issueId',
    'orderId',
    'codeCiphertext',
    'resendCount',
  ])('denies verify an UpdateItem naming %s', async (attribute) => {
    // Act
    const decision = await dynamodb('verify-otp', 'UpdateItem', 'OtpTable', update(['parcelId', attribute]));

    // Assess
    expect(decision).toBe('ImplicitlyDenied');
  });

  it.each(['status', 'codeHash', 'receiptStatus', 'verifiedBy'])(
    'denies assign-driver an UpdateItem naming %s',
    async (attribute) => {
      // Act
      const decision = await dynamodb(
        'assign-driver',
        'UpdateItem',
        'OtpTable',
        update(['parcelId', attribute]),
      );

      // Assess
      expect(decision).toBe('ImplicitlyDenied');
    },
  );

  it('lets assign-driver bind, and denies both a request that names no attributes at all', async () => {
    // Act
    const bind = await dynamodb('assign-driver', 'UpdateItem', 'OtpTable', update(ASSIGN.update.attributes));
    const unnamed = await Promise.all(
      ['verify-otp', 'assign-driver'].map((handler) =>
        dynamodb(handler, 'UpdateItem', 'OtpTable', { 'dynamodb:ReturnValues': 'NONE' }),
      ),
    );

    // Assess
    expect(bind).toBe('Allowed');
    expect(unnamed).toEqual(['ImplicitlyDenied', 'ImplicitlyDenied']);
  });

  it('lets verify read why a code was refused and assign-driver why a binding was, never a hash and never the whole item', async () => {
    // Act
    const why = await dynamodb('verify-otp', 'GetItem', 'OtpTable', read(VERIFY.read));
    const stamps = await dynamodb('assign-driver', 'GetItem', 'OtpTable', read(ASSIGN.read));
    const hash = await dynamodb('verify-otp', 'GetItem', 'OtpTable', read(['parcelId', 'codeHash']));
    const previous = await dynamodb(
      'verify-otp',
      'GetItem',
      'OtpTable',
      read(['parcelId', 'previousCodeHash']),
    );
    const whole = await dynamodb('verify-otp', 'GetItem', 'OtpTable', read(['parcelId'], 'ALL_ATTRIBUTES'));
    const assign = await dynamodb('assign-driver', 'GetItem', 'OtpTable', read(['parcelId', 'codeHash']));

    // Assess
    expect([why, stamps]).toEqual(['Allowed', 'Allowed']);
    expect([hash, previous, whole, assign]).toEqual([
      'ImplicitlyDenied',
      'ImplicitlyDenied',
      'ImplicitlyDenied',
      'ImplicitlyDenied',
    ]);
  });
});

describe('the recipient table, evaluated as AWS evaluates it', () => {
  it('lets track-otp read the recipient’s email only, and send-receipt email, name, locale and phone (the receipt by SMS)', async () => {
    // Act
    const track = await dynamodb('track-otp', 'GetItem', 'RecipientTable', read(['parcelId', 'email']));
    const receipt = await dynamodb(
      'send-receipt',
      'GetItem',
      'RecipientTable',
      read(['parcelId', 'email', 'name', 'locale', 'phone']),
    );

    // Assess
    expect([track, receipt]).toEqual(['Allowed', 'Allowed']);
  });

  it.each([
    ['track-otp', read(['parcelId', 'email', 'phone'])],
    ['track-otp', read(['parcelId', 'email', 'name'])],
    ['track-otp', read(['parcelId'], 'ALL_ATTRIBUTES')],
    ['send-receipt', read(['parcelId', 'email', 'ttl'])],
    ['send-receipt', read(['parcelId'], 'ALL_ATTRIBUTES')],
  ])('denies %s a read of %j', async (handler, context) => {
    // Act
    const decision = await dynamodb(handler, 'GetItem', 'RecipientTable', context);

    // Assess
    expect(decision).toBe('ImplicitlyDenied');
  });

  it.each(['issue-otp', 'apply-lifecycle'])(
    'lets %s write and delete a recipient answering nothing, and denies any answer or read',
    async (handler) => {
      // Act
      const write = await dynamodb(handler, 'UpdateItem', 'RecipientTable', update(['parcelId', 'ttl']));
      const erase = await dynamodb(handler, 'DeleteItem', 'RecipientTable', {
        'dynamodb:ReturnValues': 'NONE',
      });
      const answers = await Promise.all([
        dynamodb(handler, 'UpdateItem', 'RecipientTable', update(['parcelId', 'ttl'], 'ALL_NEW')),
        dynamodb(handler, 'UpdateItem', 'RecipientTable', update(['parcelId', 'ttl'], 'ALL_OLD')),
        dynamodb(handler, 'DeleteItem', 'RecipientTable', { 'dynamodb:ReturnValues': 'ALL_OLD' }),
        dynamodb(handler, 'GetItem', 'RecipientTable', read(['parcelId', 'email'])),
      ]);

      // Assess
      expect([write, erase]).toEqual(['Allowed', 'Allowed']);
      expect(answers).toEqual(Array(4).fill('ImplicitlyDenied'));
    },
  );
});

describe('the code hash key policy, evaluated as AWS evaluates it', () => {
  const keyArn = () => {
    const [id] = resolver
      .resourcesOfType('AWS::KMS::Key')
      .find(([, key]) => key.Properties?.KeySpec === 'HMAC_256') ?? [''];
    return resolver.arn(id);
  };
  const generateMac = (principal: string, policies: readonly { name: string; policy: unknown }[]) =>
    simulate({
      principal,
      identityPolicies: policies,
      resourcePolicy: view.resourcePolicyOf(keyArn()),
      action: 'kms:GenerateMac',
      resource: keyArn(),
      accountId: env.accountId,
      context: { 'kms:MacAlgorithm': 'HMAC_SHA_256' },
    });
  /** An identity policy a principal of the account could hold: everything KMS offers, on every key. */
  const everything = [
    {
      name: 'KmsEverything',
      policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] },
    },
  ];

  it('lets each hashing role (issue-otp, verify-otp, apply-lifecycle) ask for a MAC', async () => {
    for (const handler of ['issue-otp', 'verify-otp', 'apply-lifecycle']) {
      // Prepare
      const { roleId } = roleOfFunction(template, new RegExp(`lambdas/${handler}/`));

      // Act
      const decision = await generateMac(view.sessionOf(roleId), view.policiesOf(roleId));

      // Assess
      expect(decision, handler).toBe('Allowed');
    }
  });

  it('denies GenerateMac to any other principal of the account, even one whose IAM policy allows kms:* on *', async () => {
    // Prepare
    const { roleId: trackRole } = roleOfFunction(template, /lambdas\/track-otp\//);

    // Act
    const track = await generateMac(view.sessionOf(trackRole), view.policiesOf(trackRole));
    const broad = await generateMac(`arn:aws:iam::${env.accountId}:role/Operator`, everything);

    // Assess
    expect([track, broad]).toEqual(['ImplicitlyDenied', 'ImplicitlyDenied']);
  });

  it('keeps the key administrable by the account (key policy lockout safety), for administration only', async () => {
    // Act
    const administer = await Promise.all(
      ['kms:PutKeyPolicy', 'kms:DescribeKey', 'kms:ScheduleKeyDeletion'].map((action) =>
        simulate({
          principal: `arn:aws:iam::${env.accountId}:role/cdk-cfn-exec-role`,
          identityPolicies: everything,
          resourcePolicy: view.resourcePolicyOf(keyArn()),
          action,
          resource: keyArn(),
          accountId: env.accountId,
        }),
      ),
    );
    const use = await Promise.all(
      ['kms:VerifyMac', 'kms:CreateGrant'].map((action) =>
        simulate({
          principal: `arn:aws:iam::${env.accountId}:role/cdk-cfn-exec-role`,
          identityPolicies: everything,
          resourcePolicy: view.resourcePolicyOf(keyArn()),
          action,
          resource: keyArn(),
          accountId: env.accountId,
        }),
      ),
    );

    // Assess: use, or a grant of use, stays with the key policy.
    expect(administer).toEqual(['Allowed', 'Allowed', 'Allowed']);
    expect(use).toEqual(['ImplicitlyDenied', 'ImplicitlyDenied']);
  });
});
