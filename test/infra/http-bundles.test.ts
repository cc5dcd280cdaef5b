import { describe, expect, it } from 'vitest';
import { bundledInputs } from '../support/handler-bundle.ts';

describe('the HTTP handlers’ bundles', () => {
  it.each(['verify-otp', 'track-otp', 'resend-otp'])(
    '%s loads no zod: the event schemas stay out of the HTTP path (cold start)',
    async (handlerName) => {
      // Prepare
      const handlerSource = `lambdas/${handlerName}/handler.ts`;

      // Act
      const inputs = await bundledInputs(handlerName);

      // Assess
      expect(inputs.some((input) => input.includes(handlerSource))).toBe(true);
      expect(inputs.filter((input) => input.includes('node_modules/zod/'))).toEqual([]);
    },
  );
});
