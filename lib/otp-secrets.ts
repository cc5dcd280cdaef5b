import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** Props for {@link OtpSecrets}. */
export interface OtpSecretsProps {
  /**
   * What happens to the secrets when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Two independent keys: the HMAC key verify needs, and the AES key only issuing, sending and Track
 * Package need. Verify cannot read the second, so a compromised verify path cannot recover codes.
 */
export class OtpSecrets extends Construct {
  /** Key material for the codes' HMAC-SHA-256. */
  public readonly hashKeySecret: Secret;
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
    this.hashKeySecret = generate('HashKey', 'Secure Delivery: HMAC key for one-time delivery codes');
    this.encryptionKeySecret = generate(
      'EncryptionKey',
      'Secure Delivery: AES key for recoverable delivery codes',
    );
  }
}
