import { describe, expect, it } from 'vitest';
import { bundledInputs } from '../support/handler-bundle.ts';

describe('verify-otp bundle', () => {
  it('holds no EventBridge client: the handover event comes from the table stream', async () => {
    // Prepare
    const handlerName = 'verify-otp';

    // Act
    const inputs = await bundledInputs(handlerName);

    // Assess
    expect(inputs.some((input) => input.includes('@aws-sdk/client-dynamodb'))).toBe(true);
    expect(inputs.filter((input) => input.includes('client-eventbridge'))).toEqual([]);
    expect(inputs.filter((input) => input.includes('event-publisher'))).toEqual([]);
  });
});
