import { describe, expect, it } from 'vitest';
import { clientsAloneSource, sharedEnvironment } from '../../bench/cold-start.ts';
import { withPipesStopped } from '../../bench/verify.ts';
import type { Template } from '../../sandbox/emulators/template.ts';

describe('the cold-start baseline', () => {
  it('runs with the variables the template sets on every function alike, and no function’s own', () => {
    // Prepare
    const environments = new Map([
      ['verify-otp', { NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_SERVICE_NAME: 'verify-otp', A: '1' }],
      ['issue-otp', { NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_SERVICE_NAME: 'issue-otp', A: '2' }],
    ]);

    // Act
    const shared = sharedEnvironment(environments);

    // Assess
    expect(shared).toEqual({ NODE_OPTIONS: '--enable-source-maps' });
  });
});

describe('the verify path’s own sandbox', () => {
  it('runs the template with every stream pipe stopped and everything else as it was', () => {
    // Prepare
    const template: Template = {
      Resources: {
        Handover: { Type: 'AWS::Pipes::Pipe', Properties: { Source: 'stream', DesiredState: 'RUNNING' } },
        Verify: { Type: 'AWS::Lambda::Function', Properties: { MemorySize: 256 } },
      },
    };

    // Act
    const stopped = withPipesStopped(template);

    // Assess
    expect(stopped.Resources.Handover?.Properties).toEqual({ Source: 'stream', DesiredState: 'STOPPED' });
    expect(stopped.Resources.Verify).toEqual(template.Resources.Verify);
    expect(template.Resources.Handover?.Properties?.DesiredState).toBe('RUNNING');
  });
});

describe('a handler’s clients alone', () => {
  it('make at init one client of each package the handler loads at init, and nothing else', async () => {
    // Prepare
    const packages = ['@aws-sdk/client-dynamodb', '@aws-sdk/client-kms', '@aws-sdk/client-secrets-manager'];

    // Act
    const source = clientsAloneSource(packages);

    // Assess
    const dataUrl = `data:text/javascript,${encodeURIComponent(source.replace(/^import .*$/gm, ''))}`;
    const made: string[] = [];
    for (const name of ['DynamoDBClient', 'KMSClient', 'SecretsManagerClient'])
      (globalThis as Record<string, unknown>)[name] = class {
        constructor() {
          made.push(name);
        }
      };
    await import(dataUrl);
    for (const name of made) delete (globalThis as Record<string, unknown>)[name];
    expect(source.match(/^import .*$/gm)).toEqual([
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
      "import { KMSClient } from '@aws-sdk/client-kms';",
      "import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';",
    ]);
    expect(made).toEqual(['DynamoDBClient', 'KMSClient', 'SecretsManagerClient']);
  });

  it('refuse a package whose client class the bench does not know', () => {
    // Act
    const unknown = () => clientsAloneSource(['@aws-sdk/client-s3']);

    // Assess
    expect(unknown).toThrow(/client-s3: add it to CLIENT_CLASSES/);
  });
});
