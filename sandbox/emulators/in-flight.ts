/**
 * Work an emulator started in the background (a delivery, a delayed report) and has not finished: what its
 * `settled()` waits for, so tests and shutdown see every effect of what came before.
 */
export class InFlight {
  private readonly work = new Set<Promise<unknown>>();

  /** Tracks `work` until it settles; a rejection stays the caller's to handle. */
  add(work: Promise<unknown>): void {
    this.work.add(work);
    void work.finally(() => this.work.delete(work));
  }

  /** Resolves when every piece of work added so far, and any it added meanwhile, has settled. */
  async settled(): Promise<void> {
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
  }

  /** Whether some work is still running. */
  get busy(): boolean {
    return this.work.size > 0;
  }
}
