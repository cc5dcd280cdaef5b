import { Arn, CfnOutput, CfnRule, Fn, Stack, type StackProps, Token } from 'aws-cdk-lib';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { missingDeploySettings, readConfig, type SecureDeliveryConfig, stackEnvironment } from './config.ts';
import type { DriverIdentity } from './driver-identity.ts';
import { SecureDelivery } from './secure-delivery.ts';

/** Props for {@link SecureDeliveryStack}. */
export interface SecureDeliveryStackProps extends StackProps {
  /**
   * Settings over cdk.json context (`secureDelivery:*`) and the defaults.
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
 * context (`secureDelivery:*`), and the stack outputs an operator needs. Synth fails naming every setting
 * a deployment cannot do without (sender, alarm destination, account, Region) unless `secureDelivery:inspect`.
 */
export class SecureDeliveryStack extends Stack {
  /** The construct. Its id is `Default`, which CDK leaves out of logical IDs: resources keep the IDs they had at the stack's top level. */
  public readonly secureDelivery: SecureDelivery;

  constructor(scope: Construct, id: string, props: SecureDeliveryStackProps = {}) {
    super(scope, id, { ...props, env: props.env ?? stackEnvironment(scope.node) });
    const config = readConfig(this.node, props.config);
    const missing = missingDeploySettings(config, {
      accountKnown: !Token.isUnresolved(this.account),
      regionKnown: !Token.isUnresolved(this.region),
    });
    if (missing.length > 0)
      throw new Error(
        `Secure Delivery cannot be deployed without these settings (cdk.json context or -c key=value; docs/deploy.md#settings):\n${missing.map((line) => `  - ${line}`).join('\n')}\nTo only read the template: npx cdk synth -c secureDelivery:inspect=true`,
      );
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
      ...(config.alarmTopicArn
        ? { alarmTopic: Topic.fromTopicArn(this, 'AlarmDestination', config.alarmTopicArn) }
        : {}),
      settings: {
        ...config,
        // An environment-agnostic inspection has nothing to derive the login prefix from.
        ...(config.inspect && config.driverLoginDomainPrefix === '' && Token.isUnresolved(this.account)
          ? { driverLoginDomainPrefix: 'inspection-only' }
          : {}),
      },
    });
    this.secureDelivery = sd;
    if (config.alarmEmail) sd.alarmTopic.addSubscription(new EmailSubscription(config.alarmEmail));
    if (config.inspect) refuseDeployment(this);

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
    // An own SMS configuration set (secureDelivery:smsConfigurationSetName) needs an SNS destination naming it.
    const smsEvents = sd.codeDelivery.smsDeliveryEvents;
    if (smsEvents) new CfnOutput(this, 'SmsEventsTopicArn', { value: smsEvents.topic.topicArn });
  }
}

/** A template rule no deployment passes: CloudFormation refuses the change set before creating anything. */
function refuseDeployment(stack: Stack): void {
  new CfnRule(stack, 'InspectionOnly', {
    assertions: [
      {
        assert: Fn.conditionEquals('inspection', 'deployment'),
        assertDescription:
          'Synthesized with secureDelivery:inspect=true, for reading only: synthesize with your own settings to deploy (docs/deploy.md#settings).',
      },
    ],
  });
}
