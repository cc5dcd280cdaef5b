import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { linkedParcel } from '../../driver-app/src/outcome.ts';
import { parseShipArguments, todayIn } from '../../sandbox/app/ship-parcel.ts';
import { loadTemplate } from '../../sandbox/emulators/template.ts';

const FALLBACK = { region: 'eu-central-1', accountId: '000000000000', stackName: 'SecureDelivery' };

/** A template file synthesized for `region` and `account`, alone in a folder (no manifest.json beside it). */
function templateFileFor(region: string, account: string): string {
  const folder = mkdtempSync(join(tmpdir(), 'template-'));
  const path = join(folder, 'SecureDelivery.template.json');
  const arn = `arn:aws:dynamodb:${region}:${account}:table/Table`;
  writeFileSync(
    path,
    JSON.stringify({
      Resources: {
        Policy: {
          Type: 'AWS::IAM::Policy',
          Properties: { PolicyDocument: { Statement: [{ Resource: [arn, arn] }] } },
        },
        Pool: {
          Type: 'AWS::Custom',
          Properties: { Issuer: `https://cognito-idp.${region}.amazonaws.com/${region}_x` },
        },
      },
    }),
  );
  return path;
}

describe('npm run ship arguments', () => {
  it('takes --parcel, --email, --phone and --value with its currency, in minor units', () => {
    // Act
    const options = parseShipArguments([
      '--parcel',
      'P-1',
      '--email=you@example.com',
      '--phone',
      '+4915112345678',
      '--value',
      '2499.00',
      'EUR',
    ]);
    const yen = parseShipArguments(['--value', '5000', 'JPY']);

    // Assess
    expect(options).toEqual({
      parcelId: 'P-1',
      email: 'you@example.com',
      phone: '+4915112345678',
      value: { amount: 249900, currency: 'EUR' },
      driverId: 'D-DEMO',
    });
    expect(yen.value).toEqual({ amount: 5000, currency: 'JPY' });
  });

  it("defaults to a new parcel, its own address and the contract example's value", () => {
    // Act
    const options = parseShipArguments([], new Date('2026-12-06T10:00:00Z'));

    // Assess
    expect(options.parcelId).toMatch(/^SHIP-[0-9A-Z]+$/);
    expect(options.email).toBe(`${options.parcelId.toLowerCase()}@example.com`);
    expect(options.value).toEqual({ amount: 129900, currency: 'EUR' });
  });

  it('refuses an unknown flag, a flag without its value and an amount with more decimals than the currency has', () => {
    // Act / Assess
    expect(() => parseShipArguments(['--colour', 'red'])).toThrow('unknown argument --colour');
    expect(() => parseShipArguments(['--email'])).toThrow('--email needs a value');
    expect(() => parseShipArguments(['--value', '24.999', 'EUR'])).toThrow('at most 2 decimals');
    expect(() => parseShipArguments(['--value', '1', 'euro'])).toThrow('--value');
  });

  it("gives today's date in the destination's zone", () => {
    // Act
    const lateInUtc = todayIn('Europe/Berlin', new Date('2026-12-06T23:30:00Z'));

    // Assess
    expect(lateInUtc).toBe('2026-12-07');
  });
});

describe("the driver app's parcel link", () => {
  it('fills in a parcel ID of the right shape and ignores anything else', () => {
    // Act / Assess
    expect(linkedParcel('?parcel=SHIP-APP-1')).toBe('SHIP-APP-1');
    expect(linkedParcel('?parcel=%3Cscript%3E')).toBeUndefined();
    expect(linkedParcel('?code=abc')).toBeUndefined();
  });
});

describe('npm start --template without its manifest.json', () => {
  it('says what is missing when the template names another region and account than the sandbox', () => {
    // Prepare
    const path = templateFileFor('us-east-1', '111111111111');

    // Act / Assess
    expect(() => loadTemplate(path, FALLBACK)).toThrow(
      `No manifest.json beside ${path} says which account and region it was synthesized for, and the template names region us-east-1 and account 111111111111: keep it in its cdk.out folder beside manifest.json, or give them (--region us-east-1 --account 111111111111).`,
    );
  });

  it('runs it in the region and account given, or in the sandbox default when the template names those', () => {
    // Prepare
    const foreign = templateFileFor('us-east-1', '111111111111');
    const local = templateFileFor('eu-central-1', '000000000000');

    // Act
    const given = loadTemplate(foreign, FALLBACK, { region: 'us-east-1', accountId: '111111111111' });
    const same = loadTemplate(local, FALLBACK);

    // Assess
    expect(given.env).toEqual({
      stackName: 'SecureDelivery',
      region: 'us-east-1',
      accountId: '111111111111',
    });
    expect(same.env).toEqual(FALLBACK);
  });
});
