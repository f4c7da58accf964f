/**
 * Per-key serial execution: operations on one session (or one sender key) run one at a time, in arrival order;
 * different keys run concurrently. A failed operation does not block the ones queued after it.
 * Idle keys are forgotten, so the map does not grow with every peer ever seen.
 *
 *   const queues = new SerialQueues();
 *   await queues.run('session:bob-card', async () => { load; step; commit; });
 */
export class SerialQueues {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with work queued or running (for tests and diagnostics). */
  get activeKeys(): number {
    return this.tails.size;
  }
}
