/**
 * Display work in view first: work for items the user sees (a frame's fetch, the prefetch of what is on screen)
 * runs at once; background work (regions or parts of them out of view) runs one task at a time, and only while
 * nothing in view runs. At page load a page of history queues dozens of background parts; run together they would
 * hold the worker (and its database) for hundreds of milliseconds, and the fetch for the messages on screen would
 * wait behind all of them. One at a time, it waits for one part at most.
 */
export class ViewFirst {
  private inView = 0;
  private backgroundBusy = false;
  private waiting: Array<() => void> = [];

  async run<T>(background: boolean, task: () => Promise<T>): Promise<T> {
    if (!background) {
      this.inView++;
      try {
        return await task();
      } finally {
        this.inView--;
        this.next();
      }
    }
    await this.turn();
    try {
      return await task();
    } finally {
      this.backgroundBusy = false;
      this.next();
    }
  }

  /**
   * Counts as in-view work until `release` (or `maxMs`): the prefetch of what is on screen is done, and the frame's
   * fetch of it is on its way; background work should not start in between and make that fetch wait.
   */
  hold(maxMs: number): () => void {
    this.inView++;
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      clearTimeout(timer);
      this.inView--;
      this.next();
    };
    const timer = setTimeout(release, maxMs);
    return release;
  }

  /** Background tasks waiting for their turn. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves when this background task may run (the lane is then taken for it). */
  private turn(): Promise<void> {
    if (this.inView === 0 && !this.backgroundBusy && this.waiting.length === 0) {
      this.backgroundBusy = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private next(): void {
    if (this.inView > 0 || this.backgroundBusy) return;
    const resolve = this.waiting.shift();
    if (!resolve) return;
    this.backgroundBusy = true;
    resolve();
  }
}
