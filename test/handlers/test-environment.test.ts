import { describe, expect, it } from 'vitest';
import { HANDLER_VARIABLES, readEnvironment } from '../../lambdas/contracts/environment.ts';
import { testEnvironment } from './support.ts';

describe('testEnvironment (the environment handler tests load their handler with)', () => {
  it.each(Object.keys(HANDLER_VARIABLES) as (keyof typeof HANDLER_VARIABLES)[])(
    'gives %s exactly the variables the contract says it reads, each one its init accepts',
    (handler) => {
      // Act
      const env = testEnvironment(handler);

      // Assess
      expect(Object.keys(env).sort()).toEqual([...HANDLER_VARIABLES[handler]].sort());
      expect(() => readEnvironment(handler, env)).not.toThrow();
    },
  );

  it('refuses an override of a variable the handler does not read, naming it', () => {
    // Act
    const build = () =>
      testEnvironment('verify-otp', { SENDER_EMAIL: 'x@example.com' } as Parameters<
        typeof testEnvironment<'verify-otp'>
      >[1]);

    // Assess
    expect(build).toThrow('verify-otp does not read SENDER_EMAIL');
  });
});
