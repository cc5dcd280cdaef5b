/**
 * The adopter's side of `pack.test.ts`: a CDK app outside the repository that uses the packed package as
 * any other would. Plain ESM JavaScript (the adopter has no tsx), plus a TypeScript file type-checked
 * against the package's declarations. Until the `SecureDelivery` construct lands, both use the stack the
 * package exports today.
 */

/** The stack the scratch app synthesizes (its template is `<outdir>/<name>.template.json`). */
export const SCRATCH_STACK = 'Adopter';

/** Packages the scratch app imports besides `secure-delivery` (linked from this repository's node_modules). */
export const SCRATCH_APP_PACKAGES = ['cdk-nag'] as const;

/** `app.mjs`: synthesizes into the folder given as its first argument, cdk-nag AwsSolutions as a validation plugin. */
export const SCRATCH_APP = `
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SecureDeliveryStack } from 'secure-delivery';

const app = new App({ outdir: process.argv[2] });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
new SecureDeliveryStack(app, '${SCRATCH_STACK}', { env: { account: '111111111111', region: 'eu-central-1' } });
app.synth();
`;

/** `consumer.ts`: compiles against the package's `.d.ts`; the expected error shows its props are typed, not any. */
export const CONSUMER_TS = `
import { App } from 'aws-cdk-lib';
import { SecureDeliveryStack, type SecureDeliveryStackProps } from 'secure-delivery';

const app = new App();
const props: SecureDeliveryStackProps = { env: { region: 'eu-central-1' } };
new SecureDeliveryStack(app, 'Typed', props);
// @ts-expect-error: not a prop of the stack
new SecureDeliveryStack(app, 'Untyped', { notAProp: true });
`;

/** `consumer.cjs`: a CommonJS app (as \`cdk init\` creates) loads the ES-module package through require(). */
export const CONSUMER_CJS = `
const { SecureDeliveryStack } = require('secure-delivery');
if (typeof SecureDeliveryStack !== 'function') throw new Error('SecureDeliveryStack is not exported');
`;
