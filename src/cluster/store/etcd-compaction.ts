// Compaction bookkeeping for the etcd Store backend: where the stores of one namespace record the
// compactions they make (so replicas answer Gone synchronously), and how the compaction revision
// of a cluster is found when nobody recorded it (etcd has no call that tells it).
import type { Etcd3 } from 'etcd3';

/** Whether etcd refused a request because the revision it needs was compacted. */
export function isCompactedError(err: unknown): boolean {
  return err instanceof Error && /compacted/.test(err.message);
}

/** The key (outside the namespace's object range) holding the latest compaction revision. */
export function compactionKey(ns: string): Buffer {
  return Buffer.from(`${ns}#compact`, 'utf8');
}

/**
 * The compaction revision: the oldest revision etcd can still read, found by bisection over
 * [lo, hi] (hi must be readable: the current revision is). 1 when nothing was compacted.
 */
export async function compactedRevision(client: Etcd3, ns: string, lo: number, hi: number): Promise<number> {
  const probe = Buffer.from(`${ns}#`);
  const readable = async (revision: number): Promise<boolean> => {
    try {
      await client.kv.range({ key: probe, count_only: true, revision });
      return true;
    } catch (err) {
      if (isCompactedError(err)) {
        return false;
      }
      throw err;
    }
  };
  let low = Math.max(1, lo);
  let high = Math.max(low, hi);
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if (await readable(mid)) {
      high = mid;
    } else {
      low = mid + 1;
    }
  }
  return low;
}
