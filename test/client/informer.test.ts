// Informer over the real in-process client: initial list, live events, indexes, relist on 410.
import { describe, expect, it } from 'vitest';
import { errors } from '../../src/api/errors.js';
import { InProcessClient } from '../../src/client/in-process.js';
import { Informer } from '../../src/client/informer.js';
import { R } from '../../src/client/resources.js';
import { Registry } from '../../src/cluster/registry/index.js';
import { MemoryStore } from '../../src/cluster/store/memory.js';

async function until(fn: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) {
      throw new Error('timed out');
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('Informer', () => {
  it('lists, follows changes, indexes, and delivers handlers', async () => {
    const reg = new Registry({ store: new MemoryStore() });
    await reg.bootstrap();
    const client = new InProcessClient(reg);
    await client.create(R.configmaps, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'a', namespace: 'default', labels: { t: 'x' } },
    });
    const inf = new Informer(client, R.configmaps);
    inf.addIndex('byT', (o) => (o.metadata.labels?.t ? [o.metadata.labels.t] : []));
    const log: string[] = [];
    inf.addHandlers({
      add: (o) => log.push(`add ${o.metadata.name}`),
      update: (_o, n) => log.push(`update ${n.metadata.name}`),
      delete: (o) => log.push(`delete ${o.metadata.name}`),
    });
    await inf.start();
    expect(inf.get('default', 'a')?.metadata.name).toBe('a');
    await client.create(R.configmaps, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'b', namespace: 'default', labels: { t: 'x' } },
    });
    await until(() => inf.byIndex('byT', 'x').length === 2);
    await client.patch(R.configmaps, 'default', 'a', 'merge', { metadata: { labels: { t: 'y' } } });
    await until(() => inf.byIndex('byT', 'y').length === 1);
    expect(inf.byIndex('byT', 'x').map((o) => o.metadata.name)).toEqual(['b']);
    await client.delete(R.configmaps, 'default', 'b');
    await until(() => inf.list().length === 1);
    expect(log).toEqual(['add a', 'add b', 'update a', 'delete b']);
    expect(Object.isFrozen(inf.get('default', 'a'))).toBe(true);
    inf.stop();
  });

  it('relists when the server answers 410 Gone to its watch, then follows changes', async () => {
    const reg = new Registry({ store: new MemoryStore() });
    await reg.bootstrap();
    const real = new InProcessClient(reg);
    let lists = 0;
    let watches = 0;
    // the real client, except that its first watch is refused as too old
    const client = Object.assign(Object.create(real) as InProcessClient, {
      list: (...a: Parameters<InProcessClient['list']>) => {
        lists++;
        return real.list(...a);
      },
      watch: (...a: Parameters<InProcessClient['watch']>) => {
        if (watches++ === 0) {
          return Promise.reject(errors.gone('too old resource version: 1 (9)'));
        }
        return real.watch(...a);
      },
    });
    const inf = new Informer(client, R.configmaps, { namespace: 'default' });
    await inf.start();
    await until(() => watches >= 2);
    expect(lists).toBe(2);
    await real.create(R.configmaps, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'late', namespace: 'default' },
    });
    await until(() => inf.get('default', 'late') !== undefined);
    inf.stop();
  });
});
