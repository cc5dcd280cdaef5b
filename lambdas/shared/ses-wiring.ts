import { SESClient } from '@aws-sdk/client-ses';
import { SesMailer } from '../adapters/ses-mailer.ts';
import type { GroupVariable, VariablesEnvironment } from '../contracts/environment.ts';
import { type SdkOptions, sdkConfig } from './wiring.ts';

// The SES client on its own: only the functions that email load it (see wiring.ts).

/** The SES mailer sending from SENDER_EMAIL through SES_CONFIGURATION_SET. */
export function createMailer(
  env: VariablesEnvironment<GroupVariable<'mail'>>,
  sdk: SdkOptions = {},
): SesMailer {
  const client = new SESClient(sdkConfig(sdk));
  return new SesMailer(client, env.SENDER_EMAIL, env.SES_CONFIGURATION_SET);
}
