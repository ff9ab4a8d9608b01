// A shared informer started by several users lists and watches once (the sync engine starts the
// controller manager's factory again when it shares it).
import { describe, expect, it } from 'vitest';
import { InProcessClient } from '../../src/client/in-process.js';
import { InformerFactory } from '../../src/client/informer-factory.js';
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

describe('shared informers', () => {
  it('list and watch once however often the informer or its factory is started', async () => {
    const reg = new Registry({ store: new MemoryStore() });
    await reg.bootstrap();
    const real = new InProcessClient(reg);
    let lists = 0;
    let watches = 0;
    const client = Object.assign(Object.create(real) as InProcessClient, {
      list: (...a: Parameters<InProcessClient['list']>) => {
        lists++;
        return real.list(...a);
      },
      watch: (...a: Parameters<InProcessClient['watch']>) => {
        watches++;
        return real.watch(...a);
      },
    });
    const factory = new InformerFactory(client);
    const inf = factory.for(R.configmaps);
    const added: string[] = [];
    inf.addHandlers({ add: (o) => added.push(o.metadata.name ?? '') });
    await factory.start();
    await inf.start();
    await factory.start();
    expect(factory.for(R.configmaps)).toBe(inf);
    await until(() => watches >= 1);
    await real.create(R.configmaps, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'one', namespace: 'default' },
    });
    await until(() => added.length >= 1);
    await new Promise((r) => setTimeout(r, 50));
    expect({ lists, watches, added }).toEqual({ lists: 1, watches: 1, added: ['one'] });
    factory.stop();
  });

  it('a handler added to a started informer sees what is cached, then changes', async () => {
    const reg = new Registry({ store: new MemoryStore() });
    await reg.bootstrap();
    const client = new InProcessClient(reg);
    await client.create(R.configmaps, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'before', namespace: 'default' },
    });
    const factory = new InformerFactory(client);
    await factory.for(R.configmaps).start();
    const seen: string[] = [];
    const late = factory.for(R.configmaps);
    late.addHandlers({ add: (o) => seen.push(o.metadata.name ?? '') });
    await factory.start();
    await client.create(R.configmaps, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'after', namespace: 'default' },
    });
    await until(() => seen.length === 2);
    expect(seen).toEqual(['before', 'after']);
    factory.stop();
  });
});
