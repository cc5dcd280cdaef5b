/**
 * Points every AWS SDK client in this process (the handlers' too) at the emulators, with the sandbox's
 * keys: the AWS endpoint, or the fault proxy before it for the services tests inject faults into.
 */
export function pointSdkClientsAt(
  endpoints: {
    readonly region: string;
    readonly aws: string;
    readonly dynamodb: string;
    readonly ses: string;
    readonly kms: string;
  },
  credentials: { readonly accessKeyId: string; readonly secretAccessKey: string },
): void {
  Object.assign(process.env, {
    AWS_REGION: endpoints.region,
    AWS_DEFAULT_REGION: endpoints.region,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SES: endpoints.ses,
    AWS_ENDPOINT_URL_EVENTBRIDGE: endpoints.aws,
    AWS_ENDPOINT_URL_SFN: endpoints.aws,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.aws,
    AWS_ENDPOINT_URL_KMS: endpoints.kms,
    AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: endpoints.aws,
    AWS_ENDPOINT_URL_DYNAMODB_STREAMS: endpoints.aws,
    AWS_ENDPOINT_URL_SESV2: endpoints.aws,
    AWS_ENDPOINT_URL_STS: endpoints.aws,
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: endpoints.aws,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  delete process.env.AWS_PROFILE;
}
