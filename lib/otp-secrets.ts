import { RemovalPolicy, Validations } from 'aws-cdk-lib';
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

/** Props for {@link OtpSecrets}. */
export interface OtpSecretsProps {
  /**
   * What happens to the keys when the stack is deleted.
   * @default RemovalPolicy.RETAIN
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

  constructor(scope: Construct, id: string, props: OtpSecretsProps = {}) {
    super(scope, id);
    const generate = (name: string, description: string): Secret => {
      const secret = new Secret(this, name, {
        description,
        generateSecretString: { passwordLength: 64, excludePunctuation: true },
        removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
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
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.encryptionKeySecret = generate(
      'EncryptionKey',
      'Secure Delivery: AES key for recoverable delivery codes',
    );
  }
}
