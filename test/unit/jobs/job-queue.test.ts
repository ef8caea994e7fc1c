// The heavy-job queue by itself: order, places in line, cancel while waiting.
import { describe, expect, it } from 'vitest';
import { JobQueue } from '../../../src/engine/session/job-queue';

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

describe('JobQueue', () => {
  it('runs one job at a time by default, first come first served, and reports each place in line', async () => {
    const positions: string[] = [];
    const q = new JobQueue(1, (id, p) => positions.push(`${id}:${p}`));
    const order: string[] = [];
    const gates = [gate(), gate(), gate()];
    const runs = ['a', 'b', 'c'].map((id, i) =>
      q.run(id, new AbortController().signal, async (waited) => {
        order.push(`${id} start${waited ? ' (waited)' : ''}`);
        await gates[i].promise;
        order.push(`${id} end`);
        return id;
      }),
    );
    await Promise.resolve();
    expect(q.size).toEqual({ running: 1, waiting: 2 });
    expect(positions).toEqual(['b:1', 'c:2']);
    gates[0].open();
    await runs[0];
    await new Promise((r) => setTimeout(r, 0));
    expect(positions).toEqual(['b:1', 'c:2', 'c:1']);
    gates[1].open();
    gates[2].open();
    expect(await Promise.all(runs)).toEqual(['a', 'b', 'c']);
    expect(order).toEqual(['a start', 'a end', 'b start (waited)', 'b end', 'c start (waited)', 'c end']);
  });

  it('takes a waiting job out of line the moment it is cancelled, and moves the rest up', async () => {
    const positions: string[] = [];
    const q = new JobQueue(1, (id, p) => positions.push(`${id}:${p}`));
    const g = gate();
    const a = q.run('a', new AbortController().signal, () => g.promise);
    const bc = new AbortController();
    const b = q.run('b', bc.signal, async () => 'b ran');
    const c = q.run('c', new AbortController().signal, async () => 'c ran');
    bc.abort(Object.assign(new Error('cancelled'), { name: 'AbortError' }));
    await expect(b).rejects.toMatchObject({ name: 'AbortError' });
    expect(positions).toEqual(['b:1', 'c:2', 'c:1']);
    expect(q.size).toEqual({ running: 1, waiting: 1 });
    g.open();
    await a;
    expect(await c).toBe('c ran');
    expect(q.size).toEqual({ running: 0, waiting: 0 });
  });

  it('lets `concurrency` jobs run together, and a failed job frees its slot', async () => {
    const q = new JobQueue(2, () => undefined);
    let running = 0;
    let peak = 0;
    const job = (fail: boolean) => async () => {
      peak = Math.max(peak, ++running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      if (fail) throw new Error('boom');
      return 1;
    };
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => q.run(`j${i}`, new AbortController().signal, job(i % 2 === 0))));
    expect(peak).toBe(2);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
    expect(() => new JobQueue(0, () => undefined)).toThrow(/positive integer/);
  });
});
