import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import {
  AccountRootPrincipal,
  Grant,
  type IGrantable,
  PolicyDocument,
  PolicyStatement,
} from 'aws-cdk-lib/aws-iam';
import { Key, type KeyProps, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENVIRONMENT } from '../lambdas/contracts/environment.ts';
import { OTP_DIGITS } from '../lambdas/domain/otp-code.ts';

/** What a role may do with the code hash key: ask it for a MAC, nothing else. */
const HASHING_ACTIONS: readonly string[] = ['kms:GenerateMac'];

/**
 * Key administration as KMS's default policy for key administrators has it, managing the key and never
 * using it; without `kms:CreateGrant`, so no IAM policy can hand out use through a grant either.
 */
const ADMINISTRATION_ACTIONS = [
  'kms:CreateAlias',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
];

/**
 * The codes' HMAC key, whose policy alone decides who may use it. The account keeps administration
 * (CloudFormation and CDK manage the key, and KMS's lockout check passes), not use: no IAM policy in the
 * account can use the key, however broad (`kms:GenerateMac` on `*`). Each hashing role is named in the key
 * policy by {@link grant}, for `kms:GenerateMac` only.
 */
export class CodeHashKey extends Key {
  constructor(scope: Construct, id: string, props: Omit<KeyProps, 'policy' | 'admins'>) {
    // An own policy replaces CDK's default (the root may kms:*); the root is only an administrator.
    super(scope, id, { ...props, policy: new PolicyDocument() });
    this.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AccountAdministersNotUses',
        principals: [new AccountRootPrincipal()],
        actions: ADMINISTRATION_ACTIONS,
        resources: ['*'],
      }),
    );
  }

  /** Names `grantee`'s role in the key policy for `kms:GenerateMac`; any other action is refused at synth. */
  override grant(grantee: IGrantable, ...actions: string[]): Grant {
    const refused = actions.filter((action) => !HASHING_ACTIONS.includes(action));
    if (refused.length > 0)
      throw new Error(`The code hash key allows kms:GenerateMac only, not ${refused.join(', ')}`);
    this.addToResourcePolicy(
      new PolicyStatement({ principals: [grantee.grantPrincipal], actions, resources: ['*'] }),
    );
    // Nothing goes into the role's own policy: the key policy is what allows the call.
    return Grant.drop(grantee, `${actions.join(', ')} through the key policy`);
  }
}

/** How many codes there are: a search for one needs at most this many MACs. */
export const CODE_SPACE = 10 ** OTP_DIGITS;

/**
 * MACs one parcel can legitimately cost: its code's issue, one reissue, every wrong code its caps allow
 * across its codes, and the right code.
 */
export const hashesPerParcel = (maxWrongAttemptsPerParcel: number): number => maxWrongAttemptsPerParcel + 3;

/**
 * The hashing-volume alarm's threshold, in GenerateMac calls per minute: what the product itself can ask
 * for at its peak. An attacker staying below it needs {@link CODE_SPACE} / threshold minutes to exhaust
 * one code; above it, the alarm pages.
 */
export const hashingAlarmThreshold = (
  peakParcelsPerMinute: number,
  maxWrongAttemptsPerParcel: number,
): number => peakParcelsPerMinute * hashesPerParcel(maxWrongAttemptsPerParcel);

/** Props for {@link OtpSecrets}. */
export interface OtpSecretsProps {
  /**
   * The most protected parcels a minute the deployment handles: with the per-parcel cap it sets the
   * hashing-volume alarm's threshold ({@link hashingAlarmThreshold}).
   * @default 420 (7 a second: the peak SES's default sending rate allows, docs/capacity.md)
   */
  readonly peakParcelsPerMinute?: number;
  /**
   * Wrong codes across all of a parcel's codes after which none verifies.
   * @default the contract's MAX_WRONG_ATTEMPTS_PER_PARCEL default (10)
   */
  readonly maxWrongAttemptsPerParcel?: number;
  /**
   * What happens to the keys when the stack is deleted.
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Two independent keys: a KMS HMAC key for the codes' hash, whose material never leaves KMS (functions
 * may only ask it for a MAC), and the AES key for the recoverable ciphertext, which only issuing, sending
 * and the recipient routes read. Verify holds neither, so a compromised verify path cannot recover codes.
 */
export class OtpSecrets extends Construct {
  /** KMS HMAC_256 key (GENERATE_VERIFY_MAC) for the codes' HMAC-SHA-256; grant hashers `kms:GenerateMac` only. */
  public readonly hashKey: CodeHashKey;
  /** Key material for the codes' AES-256-GCM ciphertext. */
  public readonly encryptionKeySecret: Secret;
  /**
   * Pages when the account asks KMS for more MACs in a minute than the product can (`AWS/Usage`
   * `CallCount` of `GenerateMac`): a search for a code with stolen credentials, which no function logs.
   */
  public readonly hashingVolumeAlarm: Alarm;

  constructor(scope: Construct, id: string, props: OtpSecretsProps = {}) {
    super(scope, id);
    const generate = (name: string, description: string): Secret => {
      const secret = new Secret(this, name, {
        description,
        generateSecretString: { passwordLength: 64, excludePunctuation: true },
        removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'Rotating the key invalidates every code in flight (codes live at most until the end of the delivery day); rotation is an operator runbook step between delivery days, not an automatic schedule.',
      });
      return secret;
    };
    this.hashKey = new CodeHashKey(this, 'CodeHashKey', {
      description: 'Secure Delivery: HMAC key for one-time delivery codes (never leaves KMS)',
      keySpec: KeySpec.HMAC_256,
      keyUsage: KeyUsage.GENERATE_VERIFY_MAC,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    this.encryptionKeySecret = generate(
      'EncryptionKey',
      'Secure Delivery: AES key for recoverable delivery codes',
    );
    const threshold = hashingAlarmThreshold(
      props.peakParcelsPerMinute ?? 420,
      props.maxWrongAttemptsPerParcel ?? ENVIRONMENT.MAX_WRONG_ATTEMPTS_PER_PARCEL.default,
    );
    this.hashingVolumeAlarm = new Alarm(this, 'HashingVolumeAlarm', {
      alarmDescription: `Secure Delivery: more than ${threshold} code hashes (KMS GenerateMac) in a minute, more than the product asks for: a search for a code?`,
      // The account's own count of the calls, whoever makes them: a stolen credential calls KMS directly.
      metric: new Metric({
        namespace: 'AWS/Usage',
        metricName: 'CallCount',
        dimensionsMap: { Service: 'KMS', Type: 'API', Resource: 'GenerateMac', Class: 'None' },
        statistic: 'Sum',
        period: Duration.minutes(1),
      }),
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
