import { Arn, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { readConfig, type SecureDeliveryConfig } from './config.ts';
import type { DriverIdentity } from './driver-identity.ts';
import { SecureDelivery } from './secure-delivery.ts';

/** Props for {@link SecureDeliveryStack}. */
export interface SecureDeliveryStackProps extends StackProps {
  /**
   * Settings; anything not given is read from cdk.json context, then defaults.
   * @default readConfig(this.node)
   */
  readonly config?: Partial<SecureDeliveryConfig>;
  /**
   * Who the drivers are (the sandbox's OIDC mode passes `DriverIdentity.oidc`).
   * @default DriverIdentity.cognito()
   */
  readonly drivers?: DriverIdentity;
}

/**
 * The repository's own app: one {@link SecureDelivery} with everything created, configured from cdk.json
 * context (`secureDelivery:*`), and the stack outputs an operator needs.
 */
export class SecureDeliveryStack extends Stack {
  /** The construct. Its id is `Default`, which CDK leaves out of logical IDs: resources keep the IDs they had at the stack's top level. */
  public readonly secureDelivery: SecureDelivery;

  constructor(scope: Construct, id: string, props: SecureDeliveryStackProps = {}) {
    super(scope, id, props);
    const config = { ...readConfig(this.node), ...props.config };
    const senderIdentityArn =
      config.senderIdentityArn ||
      (config.createSenderIdentity
        ? undefined
        : Arn.format({ service: 'ses', resource: 'identity', resourceName: config.senderEmail }, this));
    const sd = new SecureDelivery(this, 'Default', {
      carrierEventSource: config.eventSource,
      ...(props.drivers ? { drivers: props.drivers } : {}),
      mail: { senderEmail: config.senderEmail, ...(senderIdentityArn ? { senderIdentityArn } : {}) },
      ...(config.smsOriginationIdentityArn
        ? {
            sms: {
              originationIdentityArn: config.smsOriginationIdentityArn,
              ...(config.smsConfigurationSetName
                ? { configurationSetName: config.smsConfigurationSetName }
                : {}),
            },
          }
        : {}),
      settings: config,
    });
    this.secureDelivery = sd;
    if (config.alarmEmail) sd.alarmTopic.addSubscription(new EmailSubscription(config.alarmEmail));

    const pool = sd.driverPool;
    const webClient = pool?.webClient;
    if (webClient) new CfnOutput(this, 'DriverWebClientId', { value: webClient.userPoolClientId });
    if (sd.driverAppUrl) new CfnOutput(this, 'DriverAppUrl', { value: sd.driverAppUrl });
    if (pool?.loginDomainUrl) new CfnOutput(this, 'DriverLoginDomain', { value: pool.loginDomainUrl });

    new CfnOutput(this, 'EventBusName', { value: sd.eventBus.eventBusName });
    new CfnOutput(this, 'EventSource', { value: sd.carrierEventSource });
    new CfnOutput(this, 'VerifyApiUrl', { value: sd.apiUrl });
    if (pool) {
      new CfnOutput(this, 'DriverUserPoolId', { value: pool.userPool.userPoolId });
      new CfnOutput(this, 'DriverClientId', { value: pool.handheldClient.userPoolClientId });
    }
    new CfnOutput(this, 'AlarmTopicArn', { value: sd.alarmTopic.topicArn });
  }
}
