// Heavy jobs (decoding a clip, loading a model, reconstruct, compare) run a
// few at a time (one by default), first come first served, so that five
// reconstructs at once neither thrash the machine nor starve cheap calls.
// Waiting jobs learn their place in line, and a cancelled one leaves it at once.

/** 1 = the next to run. */
export type PositionListener = (taskId: string, position: number) => void;

interface Waiting {
  taskId: string;
  start: () => void;
}

export class JobQueue {
  private running = 0;
  private readonly waiting: Waiting[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly onPosition: PositionListener,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`heavy job concurrency must be a positive integer (got ${concurrency})`);
  }

  get size(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  /** Runs `work` when a slot is free (telling it whether it had to wait); rejects with the abort reason if `signal` aborts while it waits. */
  async run<T>(taskId: string, signal: AbortSignal, work: (waited: boolean) => Promise<T>): Promise<T> {
    signal.throwIfAborted();
    // A slot is taken synchronously (here, or by next() for a waiting job), so the count is never over.
    const waits = this.running >= this.concurrency || this.waiting.length > 0;
    if (waits) await this.wait(taskId, signal);
    else this.running++;
    try {
      return await work(waits);
    } finally {
      this.running--;
      this.next();
    }
  }

  private wait(taskId: string, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const entry: Waiting = {
        taskId,
        start: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal.reason);
        this.announce(i);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
      this.onPosition(taskId, this.waiting.length);
    });
  }

  private next(): void {
    if (this.running >= this.concurrency) return;
    const first = this.waiting.shift();
    if (!first) return;
    this.running++;
    first.start();
    this.announce(0);
  }

  /** Everyone from index `from` on moved up one place. */
  private announce(from: number): void {
    if (from < 0) return;
    for (let i = from; i < this.waiting.length; i++) this.onPosition(this.waiting[i].taskId, i + 1);
  }
}
