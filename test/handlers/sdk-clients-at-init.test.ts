import { afterEach, describe, expect, it, vi } from 'vitest';
import { HANDLER_VARIABLES, type HandlerName } from '../../lambdas/contracts/environment.ts';
import { loadHandler, testEnvironment } from './support.ts';

// Each SDK client class, subclassed to count its constructions (vi.mock factories may use only hoisted values).
const made = vi.hoisted(() => {
  const counts = new Map<string, number>();
  const counting = (module: Record<string, unknown>, className: string) => {
    const Client = module[className] as new (...args: unknown[]) => object;
    return {
      ...module,
      [className]: class extends Client {
        constructor(...args: unknown[]) {
          super(...args);
          counts.set(className, (counts.get(className) ?? 0) + 1);
        }
      },
    };
  };
  return { counts, counting };
});

vi.mock('@aws-sdk/client-dynamodb', async (original) => made.counting(await original(), 'DynamoDBClient'));
vi.mock('@aws-sdk/client-kms', async (original) => made.counting(await original(), 'KMSClient'));
vi.mock('@aws-sdk/client-ses', async (original) => made.counting(await original(), 'SESClient'));
vi.mock('@aws-sdk/client-eventbridge', async (original) =>
  made.counting(await original(), 'EventBridgeClient'),
);
vi.mock('@aws-sdk/client-secrets-manager', async (original) =>
  made.counting(await original(), 'SecretsManagerClient'),
);
vi.mock('@aws-sdk/client-pinpoint-sms-voice-v2', async (original) =>
  made.counting(await original(), 'PinpointSMSVoiceV2Client'),
);

afterEach(() => {
  made.counts.clear();
  vi.unstubAllEnvs();
});

describe('each function at init', () => {
  it.each(Object.keys(HANDLER_VARIABLES) as HandlerName[])(
    '%s makes at most one client per AWS service: its tables share one DynamoDB client and connection pool',
    async (name) => {
      // Act
      await loadHandler(name, testEnvironment(name));

      // Assess
      const twiceOrMore = [...made.counts].filter(([, count]) => count > 1);
      expect(twiceOrMore).toEqual([]);
    },
  );

  it('counts the clients it makes (the check above sees a construction)', async () => {
    // Act
    await loadHandler('verify-otp', testEnvironment('verify-otp'));

    // Assess
    expect(Object.fromEntries(made.counts)).toEqual({ DynamoDBClient: 1, KMSClient: 1 });
  });
});
