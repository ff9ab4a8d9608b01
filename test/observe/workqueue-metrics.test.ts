// A named WorkQueue reports client-go's workqueue_* metrics; shutting it down removes its depth.
import { describe, expect, it } from 'vitest';
import { WorkQueue } from '../../src/client/workqueue.js';
import { metricsText } from '../../src/observe/metrics.js';
import { samples, total } from './prom.js';

const scrape = async () => (await metricsText()).body;

describe('workqueue metrics', () => {
  it('counts adds (deduplicated), queue and work durations, retries and depth', async () => {
    const q = new WorkQueue<string>({ name: 'wq-test', baseDelayMs: 1 });
    q.add('a');
    q.add('a'); // already queued: not an add
    q.add('b');
    let t = await scrape();
    expect(total(t, 'workqueue_adds_total', { name: 'wq-test' })).toBe(2);
    expect(total(t, 'workqueue_depth', { name: 'wq-test' })).toBe(2);
    const k = await q.get();
    expect(k).toBe('a');
    q.add('a'); // while processing: runs again afterwards, counted once
    q.done('a');
    q.addRateLimited('b');
    t = await scrape();
    expect(total(t, 'workqueue_adds_total', { name: 'wq-test' })).toBe(3);
    expect(total(t, 'workqueue_queue_duration_seconds_count', { name: 'wq-test' })).toBe(1);
    expect(total(t, 'workqueue_work_duration_seconds_count', { name: 'wq-test' })).toBe(1);
    expect(total(t, 'workqueue_retries_total', { name: 'wq-test' })).toBe(1);
    expect(total(t, 'workqueue_depth', { name: 'wq-test' })).toBe(2);
    q.shutdown();
    expect(samples(await scrape(), 'workqueue_depth', { name: 'wq-test' })).toEqual([]);
  });

  it('an unnamed queue reports nothing until it is named, and keeps its first name', async () => {
    const q = new WorkQueue<string>();
    q.add('x');
    expect(q.name).toBeUndefined();
    q.instrument('wq-late');
    q.instrument('wq-other');
    expect(q.name).toBe('wq-late');
    q.add('y');
    const t = await scrape();
    expect(total(t, 'workqueue_adds_total', { name: 'wq-late' })).toBe(1);
    expect(samples(t, 'workqueue_depth', { name: 'wq-other' })).toEqual([]);
    q.shutdown();
  });
});
