/**
 * Display work in view first: a fetch for items the user sees runs at once; a background fetch (a region, or part
 * of one, out of view) waits while any in-view fetch is running. At page load thirty frames ask at once, and the
 * few messages on screen should not share the worker with the hundreds above them.
 */
export class ViewFirst {
  private inView = 0;
  private waiting: Array<() => void> = [];

  async run<T>(background: boolean, task: () => Promise<T>): Promise<T> {
    if (!background) {
      this.inView++;
      try {
        return await task();
      } finally {
        this.inView--;
        if (this.inView === 0) this.release();
      }
    }
    while (this.inView > 0) await new Promise<void>((resolve) => this.waiting.push(resolve));
    return task();
  }

  private release(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }
}
