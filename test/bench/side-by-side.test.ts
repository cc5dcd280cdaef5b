import { describe, expect, it } from 'vitest';
import { sharedEnvironment } from '../../bench/cold-start.ts';
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
