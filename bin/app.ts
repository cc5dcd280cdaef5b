#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DEFAULT_CONFIG } from '../lib/config.ts';
import { SecureDeliveryStack } from '../lib/secure-delivery-stack.ts';

const app = new App();
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
try {
  // Account and Region come from secureDelivery:account / :region context or the CDK CLI, never a default here.
  const stackName = String(app.node.tryGetContext('secureDelivery:stackName') ?? DEFAULT_CONFIG.stackName);
  new SecureDeliveryStack(app, stackName);
} catch (error) {
  // A missing or unusable setting: its message names what to set; the stack trace would bury it.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
