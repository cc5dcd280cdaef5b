/**
 * The adopter's side of `pack.test.ts`: a CDK app outside the repository that uses the packed package as
 * any other would. Plain ESM JavaScript (the adopter has no tsx), plus a TypeScript file type-checked
 * against the package's declarations. The app brings its own bus, OIDC drivers, SES domain identity, alarm
 * topic and customer key, and defines one alarm of its own beside the construct.
 */

/** The stack the scratch app synthesizes (its template is `<outdir>/<name>.template.json`). */
export const SCRATCH_STACK = 'Adopter';

/** The adopter's own pager topic, imported by ARN. */
export const SCRATCH_TOPIC_ARN = 'arn:aws:sns:eu-central-1:111111111111:platform-pager';

/** Description of the alarm the adopter defines beside the construct (it must get no action from it). */
export const SCRATCH_OWN_ALARM = 'The adopter’s own alarm';

/** Packages the scratch app imports besides `secure-delivery` (linked from this repository's node_modules). */
export const SCRATCH_APP_PACKAGES = ['cdk-nag'] as const;

/** `app.mjs`: synthesizes into the folder given as its first argument, cdk-nag AwsSolutions as a validation plugin. */
export const SCRATCH_APP = `
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DriverIdentity, SecureDelivery } from 'secure-delivery';

const app = new App({ outdir: process.argv[2] });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
const stack = new Stack(app, '${SCRATCH_STACK}', { env: { account: '111111111111', region: 'eu-central-1' } });
const sd = new SecureDelivery(stack, 'SecureDelivery', {
  eventBus: EventBus.fromEventBusArn(stack, 'Bus', 'arn:aws:events:eu-central-1:111111111111:event-bus/integration'),
  drivers: DriverIdentity.oidc({
    issuer: 'https://login.example-idp.net/tenant-1/v2.0',
    audience: ['api://secure-delivery'],
    scope: 'Handover.Verify',
    driverIdClaim: 'employee_id',
  }),
  driverApp: false,
  mail: {
    senderEmail: 'parcels@notify.carrier.example',
    senderIdentityArn: 'arn:aws:ses:eu-central-1:111111111111:identity/notify.carrier.example',
  },
  alarmTopic: Topic.fromTopicArn(stack, 'Pager', '${SCRATCH_TOPIC_ARN}'),
  encryptionKey: new Key(stack, 'PlatformKey', { enableKeyRotation: true }),
});
sd.grantPublishCarrierEvents('222222222222');
new Alarm(stack, 'OwnAlarm', {
  alarmDescription: '${SCRATCH_OWN_ALARM}',
  metric: new Metric({ namespace: 'Adopter', metricName: 'Orders' }),
  threshold: 1,
  evaluationPeriods: 1,
});
app.synth();
`;

/** `consumer.ts`: compiles against the package's `.d.ts`; the expected error shows its props are typed, not any. */
export const CONSUMER_TS = `
import { App, Stack } from 'aws-cdk-lib';
import { DriverIdentity, SecureDelivery, type SecureDeliveryProps } from 'secure-delivery';

const stack = new Stack(new App(), 'Typed');
const props: SecureDeliveryProps = {
  mail: { senderEmail: 'parcels@carrier.example.org' },
  drivers: DriverIdentity.cognito({ driverIdAttribute: 'custom:driver_id' }),
};
const sd = new SecureDelivery(stack, 'SecureDelivery', props);
const url: string = sd.apiUrl;
void url;
// @ts-expect-error: mail is required
new SecureDelivery(stack, 'Untyped', { notAProp: true });
`;

/** `consumer.cjs`: a CommonJS app (as \`cdk init\` creates) loads the ES-module package through require(). */
export const CONSUMER_CJS = `
const { SecureDelivery, DriverIdentity } = require('secure-delivery');
if (typeof SecureDelivery !== 'function') throw new Error('SecureDelivery is not exported');
if (typeof DriverIdentity.oidc !== 'function') throw new Error('DriverIdentity is not exported');
`;
