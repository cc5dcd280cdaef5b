/**
 * Attacker review of issue 20's fixes, the SMS and sandbox-IAM findings: the per-number SMS cap, a low-value
 * Parcel Shipped corrected to a high value, a stolen SMS-sending credential, and two holes in the sandbox's
 * IAM (a `#0` placeholder, a request naming no resource). Stolen credentials are the function's own role
 * session, sent to the sandbox with IAM enforced from the template.
 */

import type { AddressInfo } from 'node:net';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { describe, expect, it } from 'vitest';
import { textsTo } from '../support/sandbox-harness.ts';
import { roleOfFunction } from '../support/template-mutation.ts';
import { bouncingRecipientWithPhone, useSandbox } from './harness.ts';

const e2e = useSandbox();

/** The role-session credentials of `handler`'s function, as a thief who copied them would use them. */
function credentialsOf(handler: string) {
  const { functionId } = roleOfFunction(e2e.sandbox.resolver.template, new RegExp(`lambdas/${handler}/`));
  const credentials = e2e.sandbox.iam.credentialsOf(functionId);
  return {
    accessKeyId: credentials?.AWS_ACCESS_KEY_ID ?? '',
    secretAccessKey: credentials?.AWS_SECRET_ACCESS_KEY ?? '',
    sessionToken: credentials?.AWS_SESSION_TOKEN ?? '',
  };
}

/** A DynamoDB client signing with `handler`'s role credentials. */
function dynamodbAs(handler: string): DynamoDBClient {
  const server = e2e.sandbox.faults.dynamodb.server;
  return new DynamoDBClient({
    region: e2e.sandbox.endpoints.region,
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    maxAttempts: 1,
    credentials: credentialsOf(handler),
  });
}

/** An End User Messaging client signing with `handler`'s role credentials. */
function smsAs(handler: string): PinpointSMSVoiceV2Client {
  return new PinpointSMSVoiceV2Client({
    region: e2e.sandbox.endpoints.region,
    endpoint: e2e.sandbox.endpoints.smsEndpoint,
    maxAttempts: 1,
    credentials: credentialsOf(handler),
  });
}

const tableName = () =>
  e2e.sandbox.resolver.ref(
    e2e.sandbox.resolver
      .resourcesOfType('AWS::DynamoDB::Table')
      .find(([id]) => id.startsWith('OtpTable'))?.[0] ?? '',
  );

const nameOf = (error: Error) => error.name;

describe('the sandbox’s dynamodb:Attributes', () => {
  it('counts a placeholder that starts with a digit (#0, valid in DynamoDB): verify cannot remove the receipt claim through it', async () => {
    // Prepare
    await e2e.readyForHandover('REV-PLACEHOLDER-1', 'D-RP-1');
    const verify = dynamodbAs('verify-otp');

    // Act
    const answer = await verify
      .send(
        new UpdateItemCommand({
          TableName: tableName(),
          Key: { parcelId: { S: 'REV-PLACEHOLDER-1' } },
          UpdateExpression: 'SET #0 = :v',
          ExpressionAttributeNames: { '#0': 'receiptStatus' },
          ExpressionAttributeValues: { ':v': { S: 'SENT' } },
        }),
      )
      .then(() => 'WRITTEN', nameOf);

    // Assess
    expect(answer).toBe('AccessDeniedException');
    expect((await e2e.item('REV-PLACEHOLDER-1'))?.receiptStatus).toBeUndefined();
  });
});

describe('the per-number SMS cap', () => {
  it('counts +49 0151… (the national trunk prefix kept) as the same number as +49 151…: six parcels get five texts', async () => {
    // Prepare: the same handset written two ways; libphonenumber parses both to +4915100000088.
    const canonical = '+4915100000088';
    const trunkPrefixed = '+49015100000088';
    const shipBouncing = (parcelId: string, phone: string) =>
      e2e.ship(parcelId, { recipient: bouncingRecipientWithPhone(parcelId, phone) });

    // Act: five to one spelling, then one more to the other.
    for (let parcel = 1; parcel <= 5; parcel++) await shipBouncing(`REV-PUMP-${parcel}`, canonical);
    await shipBouncing('REV-PUMP-6', trunkPrefixed);

    // Assess
    const texts = [
      ...(await textsTo(e2e.sandbox, canonical)),
      ...(await textsTo(e2e.sandbox, trunkPrefixed)),
    ];
    expect(texts).toHaveLength(5);
  });
});

describe('Not Required, then a code', () => {
  it('issues the code when a second Parcel Shipped corrects the value upwards: Not Required, then Issued, which supersedes it', async () => {
    // Prepare: first shipped as low value (Not Required is announced).
    const parcelId = 'REV-LOW-THEN-HIGH-1';
    await e2e.ship(parcelId, { declaredValue: { amount: 100, currency: 'EUR' } });

    // Act: the same parcel shipped again, now high value.
    const corrected = await e2e.ship(parcelId);

    // Assess: both announced, Not Required first; the recipient gets the code.
    const announced = (await e2e.client.busEvents())
      .filter((event) => event.detail.parcelId === parcelId)
      .map((event) => event['detail-type'])
      .filter((detailType) => detailType.startsWith('Delivery Otp'));
    expect(announced).toEqual(['Delivery Otp Not Required', 'Delivery Otp Issued']);
    expect(corrected.emails).toHaveLength(1);
  });
});

describe('a stolen SMS-sending credential', () => {
  it('can still text a blocked country (+234) by naming only the origination identity: IAM has no key to require the configuration set or protect configuration (the bound docs/security.md states)', async () => {
    // Prepare: the identity the product sends from, as its function's environment names it.
    const { functionId } = roleOfFunction(e2e.sandbox.resolver.template, /lambdas\/send-receipt\//);
    const environment = e2e.sandbox.resolver.resource(functionId).Properties?.Environment as
      | { Variables: Record<string, unknown> }
      | undefined;
    const variables = environment?.Variables ?? {};

    // Act
    const bypass = await smsAs('send-receipt')
      .send(
        new SendTextMessageCommand({
          DestinationPhoneNumber: '+2348031234567',
          MessageBody: 'premium',
          OriginationIdentity: String(variables.SMS_ORIGINATION_IDENTITY),
        }),
      )
      .then(() => 'SENT', nameOf);
    const asTheProductSends = await smsAs('send-receipt')
      .send(
        new SendTextMessageCommand({
          DestinationPhoneNumber: '+2348031234567',
          MessageBody: 'premium',
          OriginationIdentity: String(variables.SMS_ORIGINATION_IDENTITY),
          ProtectConfigurationId: String(
            e2e.sandbox.resolver.resolve(variables.SMS_PROTECT_CONFIGURATION_ID),
          ),
        }),
      )
      .then(() => 'SENT', nameOf);

    // Assess
    expect([bypass, asTheProductSends]).toEqual(['SENT', 'ConflictException']);
  });

  it('is denied a SendTextMessage naming neither identity nor configuration set (authorized on *, which no role is granted)', async () => {
    // Act
    const answer = await smsAs('send-receipt')
      .send(new SendTextMessageCommand({ DestinationPhoneNumber: '+2348031234567', MessageBody: 'premium' }))
      .then(() => 'SENT', nameOf);

    // Assess
    expect(answer).toBe('AccessDeniedException');
  });

  it('denies SendTextMessage to a role with no SMS grant at all (verify-otp), also when the request names no resource', async () => {
    // Act
    const answer = await smsAs('verify-otp')
      .send(new SendTextMessageCommand({ DestinationPhoneNumber: '+4915100000011', MessageBody: 'hi' }))
      .then(() => 'SENT', nameOf);

    // Assess
    expect(answer).toBe('AccessDeniedException');
  });
});
