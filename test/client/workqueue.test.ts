import { describe, expect, it } from 'vitest';
import { runController, TerminalError } from '../../src/client/controller.js';
import { WorkQueue } from '../../src/client/workqueue.js';

describe('WorkQueue', () => {
  it('de-duplicates queued keys and never hands one key to two workers', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    q.add('a');
    q.add('b');
    expect(q.length).toBe(2);
    const k1 = await q.get();
    expect(k1).toBe('a');
    q.add('a'); // while processing: marked dirty, not queued
    expect(q.length).toBe(1);
    const k2 = await q.get();
    expect(k2).toBe('b');
    q.done('a'); // dirty → queued again
    expect(await q.get()).toBe('a');
  });

  it('addAfter keeps the earliest deadline; addRateLimited backs off per key; forget resets', async () => {
    const q = new WorkQueue<string>({ baseDelayMs: 5 });
    q.addAfter('x', 10_000);
    q.addAfter('x', 20);
    const t0 = Date.now();
    expect(await q.get()).toBe('x');
    expect(Date.now() - t0).toBeLessThan(1000);
    q.done('x');
    q.addRateLimited('y');
    q.addRateLimited('y');
    expect(q.numRequeues('y')).toBe(2);
    q.forget('y');
    expect(q.numRequeues('y')).toBe(0);
    q.shutdown();
    expect(await q.get()).toBeUndefined();
  });
});

describe('runController', () => {
  it('retries failures with backoff, drops TerminalError, requeues after', async () => {
    const seen: string[] = [];
    let fails = 2;
    const h = runController(
      {
        name: 't',
        async reconcile(key) {
          seen.push(key);
          if (key === 'flaky' && fails-- > 0) {
            throw new Error('boom');
          }
          if (key === 'bad') {
            throw new TerminalError('never');
          }
          return key === 'again' && seen.filter((k) => k === 'again').length < 2
            ? { requeueAfterMs: 5 }
            : undefined;
        },
      },
      { queue: new WorkQueue<string>({ baseDelayMs: 1 }) },
    );
    h.queue.add('flaky');
    h.queue.add('bad');
    h.queue.add('again');
    await new Promise((r) => setTimeout(r, 200));
    await h.stop();
    expect(seen.filter((k) => k === 'flaky')).toHaveLength(3);
    expect(seen.filter((k) => k === 'bad')).toHaveLength(1);
    expect(seen.filter((k) => k === 'again')).toHaveLength(2);
  });
});
