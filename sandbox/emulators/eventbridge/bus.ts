import { randomUUID } from 'node:crypto';
import { AwsJsonError } from '../aws-protocol.ts';
import { InFlight } from '../in-flight.ts';
import type { SandboxLog } from '../log.ts';
import type { TemplateResolver } from '../template.ts';
import { matchesEventPattern } from './event-pattern.ts';
import { checkEntry, checkPutEventsRequest } from './put-events.ts';
import { describeEventBus, describeRule, listRules } from './rule-catalogue.ts';
import { type BusRule, type RuleTarget, rulesOf, type ScheduledRule, transformInput } from './rules.ts';

/** An event as EventBridge delivers it to targets. */
export interface BusEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: string[];
  readonly detail: Record<string, unknown>;
  /** Sandbox bookkeeping: the bus it was put on (not part of the delivered event). */
  readonly busName: string;
}

/** A PutEvents request entry. */
export interface PutEventsEntry {
  readonly Source?: string;
  readonly DetailType?: string;
  readonly Detail?: string;
  readonly EventBusName?: string;
  readonly Resources?: string[];
  readonly Time?: string | number;
}

/** Delivers a matched event to one rule target. */
/** How a {@link LocalEventBus} logs, retries and dead-letters. */
export interface LocalEventBusOptions {
  readonly log: SandboxLog;
  /**
   * Wait before a target's retry, times the attempt, in ms.
   * @default 200
   */
  readonly retryDelayMs?: number;
  /** Whether the target's dead-letter queue accepts the rule's event (its queue policy); default yes. */
  readonly deadLetterAllowed?: (ruleName: string, queueArn: string) => Promise<boolean>;
  /** Detail fields each event's log line names, as `label=value` (field name to label); none by default. */
  readonly logDetailFields?: Readonly<Record<string, string>>;
  /**
   * When the buses and rules came to be (DescribeEventBus's `CreationTime`).
   * @default the bus's construction
   */
  readonly createdAt?: Date;
}

export type TargetInvoker = (
  targetArn: string,
  input: unknown,
  /** The rule delivering (its ARN is the call's aws:SourceArn) and the target's role, if it has one. */
  via: { ruleName: string; roleArn?: string | undefined },
) => Promise<void>;

/** An injected PutEvents entry failure (see {@link LocalEventBus.failEntries}). */
export interface EntryFailure {
  readonly detailType: string;
  /** e.g. `InternalFailure`, `ThrottlingException`. */
  readonly errorCode: string;
  /** How many entries; `Infinity` until cleared. */
  readonly times: number;
}

/**
 * The template's event buses and rules: PutEvents validates entries as EventBridge does, records every
 * event, evaluates each rule's pattern and delivers to its targets with retries, then a dead-letter list.
 */
export class LocalEventBus {
  /** Every event accepted, in order (the sandbox's inspection endpoint serves it). */
  readonly events: BusEvent[] = [];
  /** Deliveries that failed every attempt, with the target they were for. */
  readonly deadLetters: { event: BusEvent; targetArn: string; error: string }[] = [];
  private readonly rules: BusRule[] = [];
  /** Scheduled rules of the default bus: the sandbox fires `rate(...)` ones on a timer, or on request. */
  readonly scheduled: ScheduledRule[] = [];
  private readonly busNames = new Map<string, string>();
  private readonly inFlight = new InFlight();
  private entryFailures: { failure: EntryFailure; left: number }[] = [];

  private readonly log: SandboxLog;
  private readonly createdAt: Date;
  private readonly retryDelayMs: number;
  private readonly deadLetterAllowed: (ruleName: string, queueArn: string) => Promise<boolean>;
  private readonly logDetailFields: Readonly<Record<string, string>>;

  constructor(
    private readonly resolver: TemplateResolver,
    private readonly invokeTarget: TargetInvoker,
    options: LocalEventBusOptions,
  ) {
    this.log = options.log;
    this.createdAt = options.createdAt ?? new Date();
    this.retryDelayMs = options.retryDelayMs ?? 200;
    this.deadLetterAllowed = options.deadLetterAllowed ?? (async () => true);
    this.logDetailFields = options.logDetailFields ?? {};
    this.busNames.set('default', 'default');
    this.busNames.set(
      `arn:aws:events:${resolver.env.region}:${resolver.env.accountId}:event-bus/default`,
      'default',
    );
    for (const [logicalId] of resolver.resourcesOfType('AWS::Events::EventBus')) {
      const name = resolver.ref(logicalId);
      this.busNames.set(name, name);
      this.busNames.set(resolver.arn(logicalId), name);
    }
    const { rules, scheduled } = rulesOf(resolver, (nameOrArn) => this.busName(nameOrArn));
    this.rules.push(...rules);
    this.scheduled.push(...scheduled);
  }

  /** Name of the bus an EventBusName (name or ARN) denotes; throws when there is none. */
  busName(nameOrArn: string): string {
    const name = this.busNames.get(nameOrArn);
    if (!name) throw new AwsJsonError('ResourceNotFoundException', `Event bus ${nameOrArn} does not exist.`);
    return name;
  }

  /**
   * PutEvents: validates the request as EventBridge does (1 to 10 entries, none null, `Time` a
   * timestamp, at most 1 MB of entries), then one result per entry; a failed entry carries
   * ErrorCode/ErrorMessage and the others are accepted.
   */
  putEvents(entries: readonly PutEventsEntry[]): { FailedEntryCount: number; Entries: object[] } {
    checkPutEventsRequest(entries);
    const results = entries.map((entry) => {
      const injected = this.entryFailures.find(
        ({ failure, left }) => left > 0 && failure.detailType === entry.DetailType,
      );
      if (injected) {
        injected.left--;
        this.log.line(
          'fault',
          `bus PutEvents entry ${entry.DetailType} -> injected ${injected.failure.errorCode}`,
        );
        return { ErrorCode: injected.failure.errorCode, ErrorMessage: 'Injected fault' };
      }
      try {
        return { EventId: this.accept(entry, { serviceEvent: false }) };
      } catch (error) {
        const failure =
          error instanceof AwsJsonError
            ? error
            : new AwsJsonError('InternalException', String(error), { cause: error });
        return { ErrorCode: failure.type, ErrorMessage: failure.message };
      }
    });
    return { FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length, Entries: results };
  }

  /**
   * Fails the next `times` entries of `detailType` with `errorCode`, as PutEvents reports an entry it did
   * not take (FailedEntryCount, ErrorCode); the request itself succeeds. For tests of callers' retries.
   */
  failEntries(failure: EntryFailure): void {
    this.entryFailures.push({ failure, left: failure.times });
  }

  /** Removes every injected entry failure. */
  clearEntryFailures(): void {
    this.entryFailures = [];
  }

  /** EnableRule / DisableRule: a disabled rule matches nothing until enabled again. */
  setRuleState(
    name: string,
    state: { readonly busNameOrArn: string | undefined; readonly enabled: boolean },
  ): Record<string, never> {
    const { enabled } = state;
    const busName = this.busName(state.busNameOrArn ?? 'default');
    const rule = this.allRules.find((candidate) => candidate.name === name && candidate.busName === busName);
    if (!rule)
      throw new AwsJsonError(
        'ResourceNotFoundException',
        `Rule ${name} does not exist on EventBus ${busName}.`,
      );
    rule.enabled = enabled;
    this.log.line('events', `rule ${name} ${enabled ? 'enabled' : 'disabled'}`);
    return {};
  }

  /** ListRules: the bus's rules, pattern and scheduled, by name (see {@link listRules}). */
  listRules(request: Record<string, unknown>): ReturnType<typeof listRules> {
    return listRules(this.allRules, request, (nameOrArn) => this.busName(nameOrArn));
  }

  /** DescribeRule (see {@link describeRule}). */
  describeRule(request: Record<string, unknown>): Record<string, unknown> {
    return describeRule(this.allRules, request, {
      busName: (nameOrArn) => this.busName(nameOrArn),
      accountId: this.resolver.env.accountId,
    });
  }

  /** DescribeEventBus (see {@link describeEventBus}). */
  describeEventBus(request: Record<string, unknown>): Record<string, unknown> {
    return describeEventBus(this.resolver, request, {
      busName: (nameOrArn) => this.busName(nameOrArn),
      createdAt: this.createdAt,
    });
  }

  private get allRules(): (BusRule | ScheduledRule)[] {
    return [...this.rules, ...this.scheduled];
  }

  /**
   * Fires scheduled rules now, as EventBridge does at each period: a `Scheduled Event` from `aws.events`
   * to every target (all rules, or the one named). Returns the number of rules fired.
   */
  async fireScheduled(ruleName?: string): Promise<number> {
    const rules = this.scheduled.filter(
      (rule) => rule.enabled && (ruleName === undefined || rule.name === ruleName),
    );
    await Promise.all(
      rules.flatMap((rule) =>
        rule.targets.map(async (targetArn) => {
          const event = {
            version: '0',
            id: randomUUID(),
            'detail-type': 'Scheduled Event',
            source: 'aws.events',
            account: this.resolver.env.accountId,
            time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
            region: this.resolver.env.region,
            resources: [
              `arn:aws:events:${this.resolver.env.region}:${this.resolver.env.accountId}:rule/${rule.name}`,
            ],
            detail: {},
          };
          try {
            await this.invokeTarget(targetArn, event, { ruleName: rule.name });
            this.log.line('events', `schedule ${rule.name} -> ${targetArn.split(/[:/]/).pop()}`);
          } catch (error) {
            this.log.line('events', `schedule ${rule.name} failed: ${(error as Error).name}`);
          }
        }),
      ),
    );
    return rules.length;
  }

  /** Resolves when every delivery started so far has finished (tests and shutdown wait on it). */
  async settled(): Promise<void> {
    await this.inFlight.settled();
  }

  /**
   * An AWS service's own event (source `aws.*`, which PutEvents refuses to every caller), put on the bus
   * the service publishes to, as SES does for a configuration set's EventBridge destination.
   */
  publishServiceEvent(entry: PutEventsEntry): string {
    return this.accept(entry, { serviceEvent: true });
  }

  /**
   * Delivers an accepted event to the matching rules once more, with its id unchanged: EventBridge
   * delivers at least once, so targets must take a duplicate in stride. False when no such event.
   */
  redeliver(eventId: string): boolean {
    const event = this.events.find((candidate) => candidate.id === eventId);
    if (!event) return false;
    this.log.line('events', `redelivering id=${event.id}`);
    this.route(event);
    return true;
  }

  private accept(entry: PutEventsEntry, options: { readonly serviceEvent: boolean }): string {
    const { source, detailType, detail } = checkEntry(entry, options);
    const busName = this.busName(entry.EventBusName ?? 'default');
    const time = typeof entry.Time === 'number' ? new Date(entry.Time * 1000) : new Date();
    const event: BusEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': detailType,
      source,
      account: this.resolver.env.accountId,
      time: (Number.isNaN(time.getTime()) ? new Date() : time).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.resolver.env.region,
      resources: entry.Resources ?? [],
      detail,
      busName,
    };
    this.events.push(event);
    const named = Object.entries(this.logDetailFields)
      .filter(([field]) => typeof event.detail[field] === 'string')
      .map(([field, label]) => ` ${label}=${event.detail[field]}`)
      .join('');
    this.log.line('events', `${event.source} "${event['detail-type']}"${named} id=${event.id}`);
    this.route(event);
    return event.id;
  }

  private route(event: BusEvent): void {
    const { busName, ...delivered } = event;
    for (const rule of this.rules) {
      if (!rule.enabled || rule.busName !== busName || !matchesEventPattern(rule.pattern, delivered))
        continue;
      for (const target of rule.targets) {
        const input = target.input
          ? JSON.parse(target.input)
          : target.inputTransformer
            ? transformInput(target.inputTransformer, delivered, rule)
            : target.inputPath === '$.detail'
              ? delivered.detail
              : delivered;
        this.inFlight.add(this.deliver(rule.name, target, input, event));
      }
    }
  }

  private async deliver(
    ruleName: string,
    target: RuleTarget,
    input: unknown,
    event: BusEvent,
  ): Promise<void> {
    let lastError = '';
    for (let attempt = 1; attempt <= target.maxAttempts; attempt++) {
      try {
        await this.invokeTarget(target.arn, input, { ruleName, roleArn: target.roleArn });
        this.log.line('events', `rule ${ruleName} -> ${target.arn.split(/[:/]/).pop()} id=${event.id}`);
        return;
      } catch (error) {
        lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        if (attempt < target.maxAttempts)
          await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs * attempt));
      }
    }
    if (target.dlqArn && !(await this.deadLetterAllowed(ruleName, target.dlqArn))) {
      this.log.line('events', `rule ${ruleName} could not deliver id=${event.id}: ${lastError} -> dropped`);
      return;
    }
    this.deadLetters.push({ event, targetArn: target.arn, error: lastError });
    this.log.line(
      'events',
      `rule ${ruleName} could not deliver id=${event.id}: ${lastError} -> dead-letter queue`,
    );
  }
}
