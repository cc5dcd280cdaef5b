import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { type IGrantable, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, type CfnFunction, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import {
  BINDING_GROUPS,
  type BindingGroup,
  type BoundVariable,
  ENVIRONMENT,
  type GroupVariable,
  HANDLER_VARIABLES,
  type HandlerName,
  type HandlerVariable,
  platformEnvironment,
  type SettingVariable,
  type SetValue,
  serializeVariable,
  type VariableName,
  type VariableSpec,
} from '../lambdas/contracts/environment.ts';
import {
  type NarrowHandler,
  type NarrowTable,
  type TableAccess,
  tableAccess,
} from '../lambdas/contracts/table-access.ts';
import { handlerCode } from './built-assets.ts';

/** Metadata key naming a function's handler source, relative to the repo root (the sandbox reads it). */
export const HANDLER_SOURCE_METADATA = 'SecureDelivery:HandlerSource';

/**
 * Props for {@link SecureDeliveryFunction}: any NodejsFunction prop but the environment (set through the
 * contract: `setEnvironment`, `bind*`) and the code (one bundle per handler, `lib/built-assets.ts`), plus
 * the handler folder's name.
 */
export interface SecureDeliveryFunctionProps<H extends HandlerName = HandlerName>
  extends Omit<
    NodejsFunctionProps,
    'entry' | 'environment' | 'code' | 'handler' | 'bundling' | 'projectRoot' | 'depsLockFilePath'
  > {
  /** Folder under `lambdas/` holding `handler.ts`, e.g. `verify-otp`; it names the variables the function gets. */
  readonly handlerName: H;
  /**
   * Days to keep the function's logs.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * What happens to the function's log group when the stack is deleted.
   * @default RemovalPolicy.DESTROY
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/** What {@link SecureDeliveryFunction.bindMail} needs of the mail construct (`lib/mail.ts`). */
export interface MailBinding {
  readonly senderEmail: string;
  readonly configurationSet: { readonly configurationSetName: string };
  grantSend(grantee: IGrantable): void;
}

/** What {@link SecureDeliveryFunction.bindSms} needs of the SMS channel (`lib/code-delivery.ts`). */
export interface SmsBinding {
  readonly smsConfigurationSetName: string;
  readonly smsOriginationIdentityArn: string;
  /** The protect configuration every SMS names (`ProtectConfigurationId`). */
  readonly smsProtectConfigurationId: string;
  /** SendTextMessage's `MaxPrice` (US dollars). */
  readonly smsMaxPriceUsd: string;
  /** Text messages per phone number per day across parcels. */
  readonly smsDailyLimitPerNumber: number;
  grantSendSms(fn: SecureDeliveryFunction): void;
}

/** The handlers that read variable `V`. */
export type HandlerReading<V extends VariableName> = {
  [H in HandlerName]: V extends HandlerVariable<H> ? H : never;
}[HandlerName];

/**
 * The one place for Lambda defaults: Node.js 24 on arm64, X-Ray tracing, JSON logs in an owned log group,
 * the handler's minified ESM bundle (`handlerCode`: pre-built in the package, esbuild at synth in the
 * repository). Caller settings win.
 *
 * Its environment is the contract's (`lambdas/contracts/environment.ts`): the platform variables, then
 * each variable its handler reads, set with the grant it implies (`bindTable`, `bindSecret`, `bindKey`,
 * `bindMail`, `bindSms`, `bindEventBus`) or as a setting (`setEnvironment`). A variable its handler does
 * not read is refused, by type and at synth.
 */
export class SecureDeliveryFunction<H extends HandlerName = HandlerName> extends NodejsFunction {
  /** Folder under `lambdas/` holding the handler. */
  public readonly handlerName: H;

  constructor(scope: Construct, id: string, props: SecureDeliveryFunctionProps<H>) {
    const { handlerName, logRetention, logRemovalPolicy, ...rest } = props;
    const source = `lambdas/${handlerName}/handler.ts`;
    const logGroup =
      rest.logGroup ??
      new LogGroup(scope, `${id}Logs`, {
        retention: logRetention ?? RetentionDays.ONE_MONTH,
        removalPolicy: logRemovalPolicy ?? RemovalPolicy.DESTROY,
      });
    // An own role instead of the managed basic-execution policy: logs go to this function's group only.
    const role =
      rest.role ?? new Role(scope, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    if (!rest.role) {
      role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          // A log group's Arn attribute already ends in `:*`, covering its streams.
          resources: [logGroup.logGroupRef.logGroupArn],
        }),
      );
    }
    super(scope, id, {
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      tracing: Tracing.ACTIVE,
      memorySize: 256,
      timeout: Duration.seconds(10),
      loggingFormat: LoggingFormat.JSON,
      ...rest,
      logGroup,
      role,
      code: handlerCode(handlerName),
      handler: 'index.handler',
      environment: platformEnvironment(handlerName),
    });
    this.handlerName = handlerName;
    (this.node.defaultChild as CfnFunction).addMetadata(HANDLER_SOURCE_METADATA, source);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.',
    });
  }
  /**
   * Sets a setting its handler reads (no grant goes with it), e.g. `MAX_RESENDS_PER_CODE`; a value left
   * out or undefined sets the contract's default, which only a setting with a default allows.
   */
  setEnvironment<V extends HandlerVariable<H> & SettingVariable>(
    variable: V,
    ...[value]: (typeof ENVIRONMENT)[V] extends { default: unknown }
      ? [value?: SetValue<V>]
      : [value: SetValue<V>]
  ): this {
    const given = value ?? (ENVIRONMENT[variable] as VariableSpec).default;
    if (given === undefined) throw new Error(`${variable} has no default: give its value`);
    return this.setVariable(variable, serializeVariable(variable, given as SetValue<V>));
  }

  /** Names `table` in `variable` and grants exactly `actions` on it (and its indexes), e.g. `dynamodb:GetItem`. */
  bindTable<V extends HandlerVariable<H> & BoundVariable<'table'>>(
    variable: V,
    table: ITable,
    action: string,
    ...moreActions: string[]
  ): this {
    this.setVariable(variable, table.tableName);
    table.grant(this, action, ...moreActions);
    return this;
  }

  /**
   * Names `table` in `variable` and grants what the contract's `TABLE_ACCESS` lists for this handler and
   * table, attribute by attribute: UpdateItem and GetItem only on the attributes listed
   * (`dynamodb:Attributes`, present), UpdateItem only with the listed `ReturnValues`, GetItem only with a
   * projection (`Select` SPECIFIC_ATTRIBUTES), DeleteItem only returning nothing. The table only, no index.
   */
  bindTableAccess<F extends SecureDeliveryFunction<NarrowHandler>>(
    this: F,
    variable: NarrowTable<F['handlerName']>,
    table: ITable,
  ): F {
    this.setVariable(variable as VariableName, table.tableName);
    const access = tableAccess(this.handlerName as NarrowHandler, variable as never);
    for (const statement of tableAccessStatements(access, table.tableArn)) this.addToRolePolicy(statement);
    return this;
  }

  /** Names `secret` in `variable` and grants reading its value. */
  bindSecret<V extends HandlerVariable<H> & BoundVariable<'secret'>>(variable: V, secret: ISecret): this {
    this.setVariable(variable, secret.secretArn);
    secret.grantRead(this);
    return this;
  }

  /** Names `key` in `variable` and grants exactly `actions` with it, e.g. `kms:GenerateMac`. */
  bindKey<V extends HandlerVariable<H> & BoundVariable<'key'>>(
    variable: V,
    key: IKey,
    action: string,
    ...moreActions: string[]
  ): this {
    this.setVariable(variable, key.keyArn);
    key.grant(this, action, ...moreActions);
    return this;
  }

  /** Sets SENDER_EMAIL and SES_CONFIGURATION_SET and grants sending from that address through that set. */
  bindMail<F extends SecureDeliveryFunction<HandlerReading<'SENDER_EMAIL'>>>(this: F, mail: MailBinding): F {
    this.setGroup('mail', {
      SENDER_EMAIL: mail.senderEmail,
      SES_CONFIGURATION_SET: mail.configurationSet.configurationSetName,
    });
    mail.grantSend(this);
    return this;
  }

  /**
   * Sets the SMS channel's variables (origination identity, configuration set, protect configuration, the price cap and the
   * per-number daily limit) and grants sending SMS through them only;
   * without an SMS channel (`undefined`) sets neither and grants nothing.
   */
  bindSms<F extends SecureDeliveryFunction<HandlerReading<'SMS_CONFIGURATION_SET'>>>(
    this: F,
    sms: SmsBinding | undefined,
  ): F {
    if (!sms) return this;
    this.setGroup('sms', {
      SMS_CONFIGURATION_SET: sms.smsConfigurationSetName,
      SMS_ORIGINATION_IDENTITY: sms.smsOriginationIdentityArn,
      SMS_PROTECT_CONFIGURATION_ID: sms.smsProtectConfigurationId,
      SMS_MAX_PRICE: serializeVariable('SMS_MAX_PRICE', sms.smsMaxPriceUsd),
      SMS_DAILY_LIMIT_PER_NUMBER: serializeVariable('SMS_DAILY_LIMIT_PER_NUMBER', sms.smsDailyLimitPerNumber),
    });
    sms.grantSendSms(this);
    return this;
  }

  /**
   * Sets EVENT_BUS_NAME and EVENT_SOURCE and grants `events:PutEvents` on `bus` for events of `source`
   * with one of `detailTypes` only.
   */
  bindEventBus<F extends SecureDeliveryFunction<HandlerReading<'EVENT_BUS_NAME'>>>(
    this: F,
    bus: IEventBus,
    source: string,
    detailTypes: readonly string[],
  ): F {
    this.setGroup('eventBus', { EVENT_BUS_NAME: bus.eventBusName, EVENT_SOURCE: source });
    this.addToRolePolicy(
      new PolicyStatement({
        actions: ['events:PutEvents'],
        resources: [bus.eventBusArn],
        // events:source and events:detail-type are multi-valued (one value per entry): every entry must match.
        conditions: {
          'ForAllValues:StringEquals': { 'events:source': [source], 'events:detail-type': [...detailTypes] },
          Null: { 'events:source': 'false', 'events:detail-type': 'false' },
        },
      }),
    );
    return this;
  }

  /** Sets every variable of binding group `group` (the contract's `BINDING_GROUPS`), in its order. */
  private setGroup<G extends BindingGroup>(
    group: G,
    values: Readonly<Record<GroupVariable<G>, string>>,
  ): void {
    for (const variable of BINDING_GROUPS[group] as readonly GroupVariable<G>[])
      this.setVariable(variable, values[variable]);
  }

  /** Sets a variable the contract lets this function's handler read; refuses any other at synth. */
  private setVariable(variable: VariableName, value: string): this {
    const declared: readonly string[] = HANDLER_VARIABLES[this.handlerName];
    if (!declared.includes(variable))
      throw new Error(
        `${this.handlerName} does not read ${variable}: declare it in lambdas/contracts/environment.ts first`,
      );
    this.addEnvironment(variable, value);
    return this;
  }
}

/** The IAM statements a {@link TableAccess} stands for, on `tableArn`. */
export function tableAccessStatements(access: TableAccess, tableArn: string): PolicyStatement[] {
  // ForAllValues is true for a key the request lacks: `Null: false` makes the attribute list required.
  const onlyAttributes = (attributes: readonly string[]) => ({
    'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...attributes] },
    Null: { 'dynamodb:Attributes': 'false' },
  });
  const statements: PolicyStatement[] = [];
  if (access.update)
    statements.push(
      new PolicyStatement({
        actions: ['dynamodb:UpdateItem'],
        resources: [tableArn],
        conditions: {
          ...onlyAttributes(access.update.attributes),
          // ReturnValues always has a value (NONE when not given): never ALL_OLD or ALL_NEW.
          StringEquals: { 'dynamodb:ReturnValues': [...access.update.returnValues] },
        },
      }),
    );
  if (access.read)
    statements.push(
      new PolicyStatement({
        actions: ['dynamodb:GetItem'],
        resources: [tableArn],
        conditions: {
          ...onlyAttributes(access.read),
          StringEquals: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
        },
      }),
    );
  if (access.delete)
    statements.push(
      new PolicyStatement({
        actions: ['dynamodb:DeleteItem'],
        resources: [tableArn],
        conditions: { StringEquals: { 'dynamodb:ReturnValues': 'NONE' } },
      }),
    );
  return statements;
}
