import type { CfnElement } from 'aws-cdk-lib';
import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
  type TableProps,
} from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

/** Props for {@link OtpTable} and {@link RecipientTable}. */
export interface OtpTableProps {
  /**
   * What happens to the table when the stack is deleted.
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Name of the TTL attribute (epoch seconds) of both parcel tables. */
const TTL_ATTRIBUTE = 'ttl';

/**
 * What both per-parcel tables share, so the recipients are kept exactly like the codes: keyed by
 * `parcelId`, on demand, TTL, point-in-time recovery, encrypted, protected from deletion, retained.
 */
const parcelTableProps = (props: OtpTableProps): TableProps => ({
  partitionKey: { name: 'parcelId', type: AttributeType.STRING },
  billingMode: BillingMode.PAY_PER_REQUEST,
  timeToLiveAttribute: TTL_ATTRIBUTE,
  pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
  encryption: TableEncryption.AWS_MANAGED,
  deletionProtection: true,
  removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
});

/**
 * One item per parcel holding its current code (hash and ciphertext only), expiry, counters and driver.
 * TTL only tidies up: validity is decided by `expiresAt` in every condition.
 */
export class OtpTable extends Construct {
  /** The table. */
  public readonly table: Table;
  /** Name of the TTL attribute (epoch seconds). */
  public readonly ttlAttribute = TTL_ATTRIBUTE;

  constructor(scope: Construct, id: string, props: OtpTableProps = {}) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      ...parcelTableProps(props),
      // The product's state-change events are published from this stream (HandoverEvents), not by handlers.
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
    });
    // Sparse: only items whose email SES reported DELAYED carry these keys (the delayed-email sweep reads it).
    this.table.addGlobalSecondaryIndex({
      indexName: 'DelayedEmails',
      partitionKey: { name: 'delayedShard', type: AttributeType.STRING },
      sortKey: { name: 'delayedAt', type: AttributeType.NUMBER },
      projectionType: ProjectionType.KEYS_ONLY,
    });
    // With an index, every grant on the table also names `<table>/index/*`; of the granted actions only
    // Query reads an index (the delayed-email sweep's, keys only), GetItem and UpdateItem cannot.
    const tableId = Stack.of(this).getLogicalId(this.table.node.defaultChild as CfnElement);
    Validations.of(Stack.of(this)).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${tableId}.Arn>/index/*]`,
      reason:
        'Grants on the code table name its indexes too; the one index is keys-only and only the sweep may Query it.',
    });
  }
}

/** Props for {@link RecipientTable}. */
export type RecipientTableProps = OtpTableProps;

/**
 * One item per parcel holding who its code is for (`email`, `name`, `locale`), apart from the code table
 * so that functions without a grant on it (verify, assign-driver) are never handed them. Its `ttl` is
 * never earlier than the code record's; a closed parcel's item is deleted at once.
 */
export class RecipientTable extends Construct {
  /** The table. */
  public readonly table: Table;
  /** Name of the TTL attribute (epoch seconds). */
  public readonly ttlAttribute = TTL_ATTRIBUTE;

  constructor(scope: Construct, id: string, props: RecipientTableProps = {}) {
    super(scope, id);
    this.table = new Table(this, 'Table', parcelTableProps(props));
  }
}
