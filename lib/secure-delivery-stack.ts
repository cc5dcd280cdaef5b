import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { CodeDelivery } from './code-delivery.ts';
import { readConfig, type SecureDeliveryConfig } from './config.ts';
import { DeliveryApi } from './delivery-api.ts';
import { DeliveryEvents } from './delivery-events.ts';
import { DeliveryLifecycle } from './delivery-lifecycle.ts';
import { DriverAppHosting } from './driver-app.ts';
import { DriverAssignment } from './driver-assignment.ts';
import { DriverPool } from './driver-pool.ts';
import { EventSchemaRegistry } from './event-schemas.ts';
import { HandoverEvents } from './handover-events.ts';
import { HandoverReceipt } from './handover-receipt.ts';
import { IssuingWorkflow } from './issuing-workflow.ts';
import { Mail } from './mail.ts';
import { Operations } from './operations.ts';
import { OtpSecrets } from './otp-secrets.ts';
import { OtpTable, RecipientTable } from './otp-table.ts';
import { RecipientApi } from './recipient-api.ts';
import { VerifyApi } from './verify-api.ts';

/** Props for {@link SecureDeliveryStack}. */
export interface SecureDeliveryStackProps extends StackProps {
  /**
   * Settings; anything not given is read from cdk.json context, then defaults.
   * @default readConfig(this.node)
   */
  readonly config?: Partial<SecureDeliveryConfig>;
}

/** Secure Delivery: from a shipped high-value parcel to an emailed code and a verified handover. */
export class SecureDeliveryStack extends Stack {
  public readonly events: DeliveryEvents;
  /** The event contract in an EventBridge Schema Registry, one schema per event. */
  public readonly eventSchemas: EventSchemaRegistry;
  public readonly otpTable: OtpTable;
  /** Who each code is for; verify and assign-driver have no grant on it. */
  public readonly recipientTable: RecipientTable;
  public readonly workflow: IssuingWorkflow;
  /** The one HTTP API; the verify and recipient routes attach to it. */
  public readonly deliveryApi: DeliveryApi;
  public readonly verifyApi: VerifyApi;
  public readonly driverPool: DriverPool;
  public readonly lifecycle: DeliveryLifecycle;
  public readonly recipientApi: RecipientApi;
  public readonly operations: Operations;
  public readonly handoverEvents: HandoverEvents;
  /** The drivers' web app (S3 + CloudFront). */
  public readonly driverApp: DriverAppHosting;
  /** SES delivery status of code emails and the SMS fallback. */
  public readonly codeDelivery: CodeDelivery;

  constructor(scope: Construct, id: string, props: SecureDeliveryStackProps = {}) {
    super(scope, id, props);
    const config = { ...readConfig(this.node), ...props.config };

    this.events = new DeliveryEvents(this, 'Events', { carrierSource: config.eventSource });
    this.eventSchemas = new EventSchemaRegistry(this, 'EventSchemas', {
      carrierSource: this.events.carrierSource,
      ownSource: this.events.ownSource,
    });
    this.otpTable = new OtpTable(this, 'OtpTable');
    this.recipientTable = new RecipientTable(this, 'RecipientTable');
    const secrets = new OtpSecrets(this, 'Secrets');
    const mail = new Mail(this, 'Mail', {
      senderEmail: config.senderEmail,
      createIdentity: config.createSenderIdentity,
    });
    const loginDomainUrl = `https://${config.driverLoginDomainPrefix}.auth.${this.region}.amazoncognito.com`;
    this.driverApp = new DriverAppHosting(this, 'DriverApp', {
      connectSources: [
        `https://*.execute-api.${this.region}.amazonaws.com`,
        `https://cognito-idp.${this.region}.amazonaws.com`,
        loginDomainUrl,
      ],
    });
    this.driverPool = new DriverPool(this, 'Drivers', {
      accessTokenValidity: Duration.minutes(config.driverAccessTokenMinutes),
      refreshTokenValidity: Duration.hours(config.driverRefreshTokenHours),
      webApp: { url: this.driverApp.url, loginDomainPrefix: config.driverLoginDomainPrefix },
    });

    this.codeDelivery = new CodeDelivery(this, 'CodeDelivery', {
      table: this.otpTable.table,
      recipientTable: this.recipientTable.table,
      encryptionKeySecret: secrets.encryptionKeySecret,
      mail,
      events: this.events,
      smsConfigurationSetName: config.smsConfigurationSetName,
      emailDelayedTimeout: Duration.minutes(config.emailDelayedFallbackMinutes),
      ...(config.smsOriginationIdentityArn
        ? { smsOriginationIdentityArn: config.smsOriginationIdentityArn }
        : {}),
    });
    this.workflow = new IssuingWorkflow(this, 'Issuing', {
      table: this.otpTable.table,
      recipientTable: this.recipientTable.table,
      codeHashKey: secrets.hashKey,
      encryptionKeySecret: secrets.encryptionKeySecret,
      mail,
      codeDelivery: this.codeDelivery,
      events: this.events,
      thresholds: config.otpThresholds,
      recordRetentionDays: config.recordRetentionDays,
      maxDeliveryDaysAhead: config.maxDeliveryDaysAhead,
    });

    new DriverAssignment(this, 'Assignment', { table: this.otpTable.table, events: this.events });

    this.deliveryApi = new DeliveryApi(this, 'DeliveryApi', {
      driverPool: this.driverPool.userPool,
      handheldClient: this.driverPool.handheldClient,
      moreClients: this.driverPool.webClient ? [this.driverPool.webClient] : [],
      allowedOrigins: [this.driverApp.url],
      auditLogRetention: config.auditLogRetentionDays as RetentionDays,
      // First deployed inside VerifyApi: the API keeps its id and URL, its routes and retained logs.
      logicalIdsOf: 'VerifyApi',
    });
    this.verifyApi = new VerifyApi(this, 'VerifyApi', {
      api: this.deliveryApi,
      table: this.otpTable.table,
      codeHashKey: secrets.hashKey,
      auditLogRetention: config.auditLogRetentionDays as RetentionDays,
      maxWrongAttemptsPerCode: config.maxWrongAttemptsPerCode,
      maxWrongAttemptsPerParcel: config.maxWrongAttemptsPerParcel,
      driverIdClaim: this.driverPool.driverIdClaim,
    });

    this.lifecycle = new DeliveryLifecycle(this, 'Lifecycle', {
      table: this.otpTable.table,
      recipientTable: this.recipientTable.table,
      codeHashKey: secrets.hashKey,
      encryptionKeySecret: secrets.encryptionKeySecret,
      events: this.events,
      sendFunction: this.workflow.sendFunction,
      maxWrongAttemptsPerParcel: config.maxWrongAttemptsPerParcel,
      recordRetentionDays: config.recordRetentionDays,
      maxDeliveryDaysAhead: config.maxDeliveryDaysAhead,
    });
    this.recipientApi = new RecipientApi(this, 'RecipientApi', {
      api: this.deliveryApi,
      table: this.otpTable.table,
      recipientTable: this.recipientTable.table,
      encryptionKeySecret: secrets.encryptionKeySecret,
      mail,
      codeDelivery: this.codeDelivery,
      maxResendsPerCode: config.maxResendsPerCode,
    });
    this.handoverEvents = new HandoverEvents(this, 'HandoverEvents', {
      table: this.otpTable.table,
      bus: this.events.bus,
      ownSource: this.events.ownSource,
    });
    new HandoverReceipt(this, 'Receipt', {
      table: this.otpTable.table,
      recipientTable: this.recipientTable.table,
      events: this.events,
      mail,
    });
    this.operations = new Operations(this, 'Operations', {
      events: this.events,
      workflows: [this.workflow.stateMachine, this.lifecycle.stateMachine],
      httpApi: this.deliveryApi.httpApi,
      verifyLogGroup: this.verifyApi.verifyFunction.logGroup,
      alarmEmail: config.alarmEmail,
    });

    const webClient = this.driverPool.webClient;
    if (webClient) {
      this.driverApp.deploy({
        apiUrl: this.deliveryApi.url,
        authority: this.driverPool.issuerUrl,
        clientId: webClient.userPoolClientId,
        scope: `openid ${this.driverPool.verifyScope}`,
        authDomain: loginDomainUrl,
      });
      new CfnOutput(this, 'DriverWebClientId', { value: webClient.userPoolClientId });
    }
    new CfnOutput(this, 'DriverAppUrl', { value: this.driverApp.url });
    new CfnOutput(this, 'DriverLoginDomain', { value: loginDomainUrl });

    new CfnOutput(this, 'EventBusName', { value: this.events.bus.eventBusName });
    new CfnOutput(this, 'EventSource', { value: this.events.carrierSource });
    new CfnOutput(this, 'VerifyApiUrl', { value: this.deliveryApi.url });
    new CfnOutput(this, 'DriverUserPoolId', { value: this.driverPool.userPool.userPoolId });
    new CfnOutput(this, 'DriverClientId', { value: this.driverPool.handheldClient.userPoolClientId });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.operations.alarmTopic.topicArn });
  }
}
