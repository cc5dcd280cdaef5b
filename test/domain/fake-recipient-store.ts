import type { RecipientReader, RecipientRecord, RecipientWriter } from '../../lambdas/domain/otp-record.ts';

/**
 * In-memory recipient table with the same conditional semantics as `DynamoDbRecipientStore`: the first
 * recipient saved wins while its ttl has not passed, and the ttl only ever moves later.
 */
export class FakeRecipientStore implements RecipientReader, RecipientWriter {
  private readonly items = new Map<string, RecipientRecord>();
  /** Operations in the order they were called. */
  readonly calls: (keyof (RecipientReader & RecipientWriter))[] = [];

  /** Test back door: writes an item unconditionally, without counting a call. */
  seed(recipient: RecipientRecord): void {
    this.items.set(recipient.parcelId, { ...recipient });
  }

  /** Test back door: the stored item, without counting a call. */
  peek(parcelId: string): RecipientRecord | undefined {
    const item = this.items.get(parcelId);
    return item ? { ...item } : undefined;
  }

  async save(recipient: RecipientRecord, nowSeconds: number): Promise<void> {
    this.calls.push('save');
    const existing = this.items.get(recipient.parcelId);
    if (!existing || existing.ttl < nowSeconds) {
      this.items.set(recipient.parcelId, { ...recipient });
      return;
    }
    if (existing.ttl < recipient.ttl) this.items.set(recipient.parcelId, { ...existing, ttl: recipient.ttl });
  }

  async extendTtl(parcelId: string, ttl: number): Promise<void> {
    this.calls.push('extendTtl');
    const existing = this.items.get(parcelId);
    if (existing && existing.ttl < ttl) this.items.set(parcelId, { ...existing, ttl });
  }

  async get(parcelId: string): Promise<RecipientRecord | undefined> {
    this.calls.push('get');
    return this.peek(parcelId);
  }

  async delete(parcelId: string): Promise<void> {
    this.calls.push('delete');
    this.items.delete(parcelId);
  }
}
