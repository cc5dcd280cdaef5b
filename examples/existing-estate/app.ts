#!/usr/bin/env node
// `npx cdk synth` in this folder (cdk.json names this file): the estate's app, checked by cdk-nag.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ParcelPlatformStack } from './estate.ts';

const app = new App();
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
new ParcelPlatformStack(app, 'ParcelPlatform');
