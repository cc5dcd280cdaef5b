import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** Props for {@link OtpSecrets}. */
export interface OtpSecretsProps {
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
  public readonly hashKey: Key;
  /** Key material for the codes' AES-256-GCM ciphertext. */
  public readonly encryptionKeySecret: Secret;

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
    this.hashKey = new Key(this, 'CodeHashKey', {
      description: 'Secure Delivery: HMAC key for one-time delivery codes (never leaves KMS)',
      keySpec: KeySpec.HMAC_256,
      keyUsage: KeyUsage.GENERATE_VERIFY_MAC,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    this.encryptionKeySecret = generate(
      'EncryptionKey',
      'Secure Delivery: AES key for recoverable delivery codes',
    );
  }
}
