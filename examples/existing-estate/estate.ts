/**
 * A carrier's existing AWS estate adopting Secure Delivery: every "bring yours" prop of `SecureDelivery`.
 * The platform account (111111111111) has a regional integration bus that the dispatch system's central bus
 * (account 222222222222) forwards to, an OIDC provider for its drivers, a verified SES domain, an SMS pool,
 * a pager topic and a customer-managed key; a shop backend in account 333333333333 calls the recipient routes.
 */
import { type App, Stack, type StackProps } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { AccountPrincipal, Role } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { DriverIdentity, SecureDelivery } from '../../lib/index.ts';

/** The accounts of the estate. */
export const ESTATE = {
  platform: '111111111111',
  dispatch: '222222222222',
  shop: '333333333333',
  region: 'eu-central-1',
} as const;

const arn = (service: string, resource: string) =>
  `arn:aws:${service}:${ESTATE.region}:${ESTATE.platform}:${resource}`;

/** The platform team's stack: Secure Delivery on the estate's own bus, identity provider, mail, SMS, pager and key. */
export class ParcelPlatformStack extends Stack {
  public readonly secureDelivery: SecureDelivery;
  /** The role the shop backend (another account) assumes to call Track Package and resend. */
  public readonly shopBackendRole: Role;

  constructor(scope: App, id: string, props: StackProps = {}) {
    super(scope, id, { env: { account: ESTATE.platform, region: ESTATE.region }, ...props });
    this.secureDelivery = new SecureDelivery(this, 'SecureDelivery', {
      eventBus: EventBus.fromEventBusArn(
        this,
        'IntegrationBus',
        arn('events', 'event-bus/parcel-integration'),
      ),
      carrierEventSource: 'acme.dispatch',
      drivers: DriverIdentity.oidc({
        issuer: 'https://login.microsoftonline.com/6f3c2a7e-0000-4000-8000-000000000001/v2.0',
        // Entra ID's v2.0 access tokens name the API by its application (client) ID, never its api:// URI.
        audience: ['3b9d1c4e-0000-4000-8000-00000000a9e1'],
        scope: 'Handover.Verify',
        driverIdClaim: 'employee_id',
      }),
      // The handhelds run the carrier's own app; with the web app on, add `webClientId` above.
      driverApp: false,
      mail: {
        senderEmail: 'parcels@notify.acme.example',
        senderIdentityArn: arn('ses', 'identity/notify.acme.example'),
        configurationSetName: 'acme-transactional',
      },
      sms: {
        originationIdentityArn: arn('sms-voice', 'pool/pool-0a1b2c3d4e5f60718293a4b5c6d7e8f9'),
        configurationSetName: 'acme-sms',
      },
      alarmTopic: Topic.fromTopicArn(this, 'Pager', arn('sns', 'platform-pager')),
      encryptionKey: Key.fromKeyArn(
        this,
        'PlatformKey',
        arn('kms', 'key/0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6'),
      ),
      settings: { otpThresholds: { EUR: 100000, GBP: 80000 }, auditLogRetentionDays: 400 },
    });
    // The dispatch system's central bus (another account) forwards the carrier events here.
    this.secureDelivery.grantPublishCarrierEvents(ESTATE.dispatch);
    this.shopBackendRole = new Role(this, 'ShopBackend', {
      description: 'Assumed by the shop backend to call Secure Delivery recipient routes',
      assumedBy: new AccountPrincipal(ESTATE.shop),
    });
    this.secureDelivery.grantRecipientApi(this.shopBackendRole);
  }
}
