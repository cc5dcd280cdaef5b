import { Aspects, Duration } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { CodeDelivery, type SmsChannelProps } from './code-delivery.ts';
import { resolveSettings, type SecureDeliverySettings, smsAllowedCountries } from './config.ts';
import { DeliveryApi } from './delivery-api.ts';
import { DeliveryEvents } from './delivery-events.ts';
import { DeliveryLifecycle } from './delivery-lifecycle.ts';
import { DriverAppHosting } from './driver-app.ts';
import { DriverAssignment } from './driver-assignment.ts';
import { DriverIdentity } from './driver-identity.ts';
import type { DriverPool } from './driver-pool.ts';
import { allowServicesToUseKey, EncryptWithKey } from './encryption.ts';
import { EventSchemaRegistry } from './event-schemas.ts';
import { HandoverEvents } from './handover-events.ts';
import { HandoverReceipt } from './handover-receipt.ts';
import { IssuingWorkflow } from './issuing-workflow.ts';
import { Mail, type MailProps } from './mail.ts';
import { NotifyOnEveryAlarm, Operations } from './operations.ts';
import { OtpSecrets } from './otp-secrets.ts';
import { OtpTable, RecipientTable } from './otp-table.ts';
import { derivedLoginDomainPrefix } from './physical-names.ts';
import { RecipientApi } from './recipient-api.ts';
import { VerifyApi } from './verify-api.ts';

/** How the construct sends email (`SecureDeliveryProps.mail`). */
export type SecureDeliveryMailProps = MailProps;

/** How the construct sends SMS (`SecureDeliveryProps.sms`). */
export type SecureDeliverySmsProps = SmsChannelProps;

/** Props for {@link SecureDelivery}: bring what the estate has; what is not given is created. */
export interface SecureDeliveryProps {
  /**
   * The bus carriers publish their events to; the construct's rules live on it and it emits its own events
   * there. In this stack's account and region.
   * @default a new custom bus
   */
  readonly eventBus?: IEventBus;
  /**
   * `source` of the carriers' events (`Parcel Shipped`, `Parcel Out For Delivery`, …).
   * @default 'carrier.dispatch'
   */
  readonly carrierEventSource?: string;
  /**
   * Who the drivers are and which token claim holds their carrier id.
   * @default DriverIdentity.cognito(): a new user pool, the id in `custom:driver_id`
   */
  readonly drivers?: DriverIdentity;
  /** The sender of every email: its address, and optionally its SES identity and configuration set. */
  readonly mail: SecureDeliveryMailProps;
  /**
   * The SMS channel (a code whose email failed, resends by SMS).
   * @default no SMS: nothing of SMS is created or granted
   */
  readonly sms?: SecureDeliverySmsProps;
  /**
   * The topic the construct's alarms notify (alarm and OK). It must let CloudWatch publish to it.
   * @default a new topic, encrypted with {@link encryptionKey} or a key of its own
   */
  readonly alarmTopic?: ITopic;
  /**
   * A customer-managed key for the tables, queues, topic and log groups the construct creates; the
   * key-policy statements the services need are added to it (an imported key's owner adds them).
   * @default AWS-managed keys (the created topic: a key of its own, which CloudWatch may use)
   */
  readonly encryptionKey?: IKey;
  /**
   * The drivers' web app (S3 and CloudFront), signing in through the Cognito pool's managed login or the
   * OIDC provider (`DriverIdentity.oidc({ webClientId })`).
   * @default true
   */
  readonly driverApp?: boolean;
  /**
   * Limits, thresholds, token lifetimes and retention.
   * @default DEFAULT_SETTINGS
   */
  readonly settings?: Partial<SecureDeliverySettings>;
}

/**
 * Secure Delivery: from a shipped high-value parcel to a code the recipient gets and a handover the driver
 * verifies with it. Takes the estate's own bus, driver identity provider, mail identity, alarm topic and key,
 * and creates what is not given.
 */
export class SecureDelivery extends Construct {
  /** The bus the carriers publish to and the construct emits on. */
  public readonly eventBus: IEventBus;
  /** `source` of the carriers' events. */
  public readonly carrierEventSource: string;
  /** Base URL of the HTTP API (verify, Track Package, resend). */
  public readonly apiUrl: string;
  /** The topic the construct's alarms notify. */
  public readonly alarmTopic: ITopic;
  /** The drivers' web app URL; undefined without the app. */
  public readonly driverAppUrl?: string;
  /** The settings in force (defaults for what was not given, the login domain prefix as derived). */
  public readonly settings: SecureDeliverySettings;

  /** The bus wiring: rules, their dead-letter queue. */
  public readonly events: DeliveryEvents;
  /** The event contract in an EventBridge Schema Registry, one schema per event. */
  public readonly eventSchemas: EventSchemaRegistry;
  public readonly otpTable: OtpTable;
  /** Who each code is for; verify and assign-driver have no grant on it. */
  public readonly recipientTable: RecipientTable;
  public readonly mail: Mail;
  public readonly workflow: IssuingWorkflow;
  /** The one HTTP API; the verify and recipient routes attach to it. */
  public readonly deliveryApi: DeliveryApi;
  public readonly verifyApi: VerifyApi;
  /** The Cognito pool and its clients; undefined with an OIDC provider. */
  public readonly driverPool?: DriverPool;
  public readonly lifecycle: DeliveryLifecycle;
  public readonly recipientApi: RecipientApi;
  public readonly operations: Operations;
  public readonly handoverEvents: HandoverEvents;
  /** The drivers' web app (S3 + CloudFront), when there is one. */
  public readonly driverApp?: DriverAppHosting;
  /** SES delivery status of code emails and the SMS fallback. */
  public readonly codeDelivery: CodeDelivery;

  constructor(scope: Construct, id: string, props: SecureDeliveryProps) {
    super(scope, id);
    const drivers = props.drivers ?? DriverIdentity.cognito();
    const withApp = props.driverApp ?? true;
    const resolved = resolveSettings(props.settings);
    const loginDomainPrefix = resolved.driverLoginDomainPrefix || derivedLoginDomainPrefix(this);
    if (withApp && drivers.provider === 'cognito' && loginDomainPrefix === undefined)
      throw new Error(
        'settings.driverLoginDomainPrefix: set it, or give the stack an account and Region to derive a unique one from',
      );
    const settings = { ...resolved, driverLoginDomainPrefix: loginDomainPrefix ?? '' };
    this.settings = settings;

    this.events = new DeliveryEvents(this, 'Events', {
      ...(props.eventBus ? { bus: props.eventBus } : {}),
      ...(props.carrierEventSource !== undefined ? { carrierSource: props.carrierEventSource } : {}),
    });
    this.eventBus = this.events.bus;
    this.carrierEventSource = this.events.carrierSource;
    this.eventSchemas = new EventSchemaRegistry(this, 'EventSchemas', {
      carrierSource: this.events.carrierSource,
      ownSource: this.events.ownSource,
    });
    this.otpTable = new OtpTable(this, 'OtpTable');
    this.recipientTable = new RecipientTable(this, 'RecipientTable');
    const secrets = new OtpSecrets(this, 'Secrets', {
      peakParcelsPerMinute: settings.peakParcelsPerMinute,
      maxWrongAttemptsPerParcel: settings.maxWrongAttemptsPerParcel,
    });
    this.mail = new Mail(this, 'Mail', props.mail);

    if (withApp) {
      this.driverApp = new DriverAppHosting(this, 'DriverApp');
      this.driverAppUrl = this.driverApp.url;
    }
    const boundDrivers = drivers.bind(this, {
      accessTokenValidity: Duration.minutes(settings.driverAccessTokenMinutes),
      refreshTokenValidity: Duration.hours(settings.driverRefreshTokenHours),
      mail: { senderEmail: this.mail.senderEmail, identityArn: this.mail.identityArn },
      ...(this.driverApp
        ? { webApp: { url: this.driverApp.url, loginDomainPrefix: settings.driverLoginDomainPrefix } }
        : {}),
    });
    if (boundDrivers.pool) this.driverPool = boundDrivers.pool;

    this.codeDelivery = new CodeDelivery(this, 'CodeDelivery', {
      table: this.otpTable.table,
      recipientTable: this.recipientTable.table,
      encryptionKeySecret: secrets.encryptionKeySecret,
      mail: this.mail,
      events: this.events,
      emailDelayedTimeout: Duration.minutes(settings.emailDelayedFallbackMinutes),
      ...(props.encryptionKey ? { encryptionKey: props.encryptionKey } : {}),
      ...(props.sms
        ? {
            sms: props.sms,
            smsLimits: {
              allowedCountries: smsAllowedCountries(settings),
              maxPriceUsd: settings.smsMaxPriceUsd,
              dailyLimitPerNumber: settings.smsDailyLimitPerNumber,
            },
          }
        : {}),
    });
    this.workflow = new IssuingWorkflow(this, 'Issuing', {
      table: this.otpTable.table,
      recipientTable: this.recipientTable.table,
      codeHashKey: secrets.hashKey,
      encryptionKeySecret: secrets.encryptionKeySecret,
      mail: this.mail,
      codeDelivery: this.codeDelivery,
      events: this.events,
      thresholds: settings.otpThresholds,
      recordRetentionDays: settings.recordRetentionDays,
      maxDeliveryDaysAhead: settings.maxDeliveryDaysAhead,
    });

    new DriverAssignment(this, 'Assignment', { table: this.otpTable.table, events: this.events });

    const auditLogRetention = settings.auditLogRetentionDays as RetentionDays;
    this.deliveryApi = new DeliveryApi(this, 'DeliveryApi', {
      driverAuthorizer: boundDrivers.authorizer,
      ...(boundDrivers.jwtScopes ? { jwtScopes: boundDrivers.jwtScopes } : {}),
      // Any origin, no credentials: the app's CSP names this API, so the API cannot name the app (a cycle);
      // a bearer-token API that sets no cookie gives another origin nothing it does not already hold.
      ...(this.driverApp ? { allowedOrigins: ['*'] } : {}),
      auditLogRetention,
      driverIdClaim: boundDrivers.driverIdClaim,
      // First deployed inside VerifyApi: the API keeps its id and URL, its routes and retained logs.
      logicalIdsOf: 'VerifyApi',
    });
    this.apiUrl = this.deliveryApi.url;
    this.verifyApi = new VerifyApi(this, 'VerifyApi', {
      api: this.deliveryApi,
      table: this.otpTable.table,
      codeHashKey: secrets.hashKey,
      auditLogRetention,
      maxWrongAttemptsPerCode: settings.maxWrongAttemptsPerCode,
      maxWrongAttemptsPerParcel: settings.maxWrongAttemptsPerParcel,
      driverIdentityProvider: boundDrivers.provider,
      driverIdClaim: boundDrivers.driverIdClaim,
    });

    this.lifecycle = new DeliveryLifecycle(this, 'Lifecycle', {
      table: this.otpTable.table,
      recipientTable: this.recipientTable.table,
      codeHashKey: secrets.hashKey,
      encryptionKeySecret: secrets.encryptionKeySecret,
      events: this.events,
      sendFunction: this.workflow.sendFunction,
      maxWrongAttemptsPerParcel: settings.maxWrongAttemptsPerParcel,
      recordRetentionDays: settings.recordRetentionDays,
      maxDeliveryDaysAhead: settings.maxDeliveryDaysAhead,
    });
    this.recipientApi = new RecipientApi(this, 'RecipientApi', {
      api: this.deliveryApi,
      table: this.otpTable.table,
      recipientTable: this.recipientTable.table,
      encryptionKeySecret: secrets.encryptionKeySecret,
      mail: this.mail,
      codeDelivery: this.codeDelivery,
      maxResendsPerCode: settings.maxResendsPerCode,
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
      mail: this.mail,
      ...(this.codeDelivery.sms ? { sms: this.codeDelivery.sms } : {}),
    });
    this.operations = new Operations(this, 'Operations', {
      events: this.events,
      workflows: [this.workflow.stateMachine, this.lifecycle.stateMachine],
      httpApi: this.deliveryApi.httpApi,
      verifyLogGroup: this.verifyApi.verifyFunction.logGroup,
      ...(props.alarmTopic ? { alarmTopic: props.alarmTopic } : {}),
      ...(props.encryptionKey ? { encryptionKey: props.encryptionKey } : {}),
    });
    this.alarmTopic = this.operations.alarmTopic;
    // Every alarm of this construct, wherever defined, notifies the topic; nothing outside it is touched.
    Aspects.of(this).add(new NotifyOnEveryAlarm(this.alarmTopic));
    if (props.encryptionKey) {
      Aspects.of(this).add(new EncryptWithKey(props.encryptionKey));
      allowServicesToUseKey(this, props.encryptionKey);
    }

    if (this.driverApp && boundDrivers.webSignIn) {
      const { connectSources, ...signIn } = boundDrivers.webSignIn;
      // This deployment's API and sign-in endpoints only, never every API or pool in the Region.
      this.driverApp.allowConnectionsTo(this.deliveryApi.httpApi.apiEndpoint, ...connectSources);
      this.driverApp.deploy({ apiUrl: this.deliveryApi.url, ...signIn });
    }
  }

  /**
   * Lets a carrier system publish the carrier events of the contract (and nothing else) to the bus, with
   * `source` {@link carrierEventSource}: a principal of this account gets an IAM grant; an account id (a
   * carrier's system in another account) or a principal of another account a statement in the bus's policy.
   */
  grantPublishCarrierEvents(grantee: IGrantable | string): void {
    this.events.grantPublishCarrierEvents(grantee);
  }

  /**
   * Lets a shop backend call the recipient routes (Track Package, resend) with SigV4, and nothing else. A
   * role in another account that this grants may call them once that account lets it assume it.
   */
  grantRecipientApi(grantee: IGrantable): void {
    this.recipientApi.grantInvoke(grantee);
  }
}
