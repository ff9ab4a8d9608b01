// The sync operation as a resumable step function: waves in order, a controller stopped mid-sync
// and a new one finishing the same operation, and PreSync/PostSync hooks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../src/client/resources.js';
import type { ApplicationStatus } from '../../src/sync/types.js';
import { startFakeNode } from '../fake-node.js';
import { makeRepo } from './git-helpers.js';
import {
  application,
  configMap,
  getApp,
  getOrUndefined,
  type Harness,
  startHarness,
  waitFor,
} from './harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ node: false });
}, 30_000);

afterAll(async () => {
  await h?.close();
});

const statusOf = async (name: string): Promise<ApplicationStatus> =>
  (await getApp(h.client, name)).status ?? {};

const WAVE = 'argocd.argoproj.io/sync-wave';

function pod(
  name: string,
  annotations: Record<string, string>,
  command: string[],
  restartPolicy = 'Always',
): string {
  const ann = Object.entries(annotations)
    .map(([k, v]) => `    ${k}: "${v}"`)
    .join('\n');
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  annotations:
${ann}
spec:
  restartPolicy: ${restartPolicy}
  containers:
    - name: main
      image: busybox:1.36
      command: ${JSON.stringify(command)}
`;
}

describe('resumable sync operation', () => {
  it('applies waves in order, and a new controller finishes the operation a stopped one began', async () => {
    const repo = makeRepo(h.root, 'waves');
    const sha = repo.commit({
      'first.yaml': configMap('first', { v: '1' }, { [WAVE]: '-1' }),
      'worker.yaml': pod('worker', { [WAVE]: '0' }, ['sleep', '3600']),
      'last.yaml': configMap('last', { v: '1' }, { [WAVE]: '1' }),
    });
    const added: string[] = [];
    const watches = await Promise.all(
      [R.configmaps, R.pods].map((res) =>
        h.client.watch(res, { namespace: 'waves' }, (e) => {
          if (e.type === 'ADDED') {
            added.push(`${e.object.kind}/${e.object.metadata.name}`);
          }
        }),
      ),
    );
    try {
      const a = await h.startController();
      await h.client.create(R.applications, application('waves', repo.url));
      // No node yet: the wave-0 pod stays Pending (Progressing), so the operation waits there.
      const running = await waitFor('waiting on wave 0', async () => {
        const s = await statusOf('waves');
        const st = s.operationState;
        return st?.phase === 'Running' && st.step?.kind === 'Wave' && st.step.wave === 0 && st.step.applied
          ? s
          : undefined;
      });
      expect(running.operationState?.message).toContain('waiting for wave 0');
      await a.stop(); // the controller dies mid-sync
      expect(await getOrUndefined(h.client, R.configmaps, 'waves', 'first')).toBeDefined();
      expect(await getOrUndefined(h.client, R.pods, 'waves', 'worker')).toBeDefined();
      expect(await getOrUndefined(h.client, R.configmaps, 'waves', 'last')).toBeUndefined();

      h.node = await startFakeNode(h.client, { name: 'node-1', leaseRenewMs: 1000 });
      await h.startController();
      const done = await waitFor('operation finished by the new controller', async () => {
        const s = await statusOf('waves');
        return s.operationState?.phase === 'Succeeded' ? s : undefined;
      });
      // The same operation (not a new one) completed the same revision.
      expect(done.operationState?.id).toBe(running.operationState?.id);
      expect(done.operationState?.startedAt).toBe(running.operationState?.startedAt);
      expect(done.operationState?.syncResult.revision).toBe(sha);
      expect(done.history).toHaveLength(1);
      expect(await getOrUndefined(h.client, R.configmaps, 'waves', 'last')).toBeDefined();
      expect(added).toEqual(['ConfigMap/first', 'Pod/worker', 'ConfigMap/last']);
      const waves = done.operationState?.syncResult.resources.map((r) => `${r.name}:${r.syncWave}`);
      expect(waves).toEqual(['first:-1', 'worker:0', 'last:1']);
      await waitFor('Synced and Healthy', async () => {
        const s = await statusOf('waves');
        return s.sync?.status === 'Synced' && s.health?.status === 'Healthy';
      });
    } finally {
      for (const w of watches) {
        w.stop();
      }
    }
  });

  it('runs PreSync hooks before and PostSync hooks after the resources, honouring delete policies', async () => {
    const repo = makeRepo(h.root, 'hooks');
    const sha = repo.commit({
      'migrate.yaml': pod(
        'migrate',
        { 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' },
        ['true'],
        'Never',
      ),
      'app.yaml': configMap('settings', { v: '1' }),
      'smoke.yaml': pod('smoke', { 'argocd.argoproj.io/hook': 'PostSync' }, ['true'], 'Never'),
    });
    const added: string[] = [];
    const watches = await Promise.all(
      [R.configmaps, R.pods].map((res) =>
        h.client.watch(res, { namespace: 'hooks' }, (e) => {
          if (e.type === 'ADDED') {
            added.push(`${e.object.kind}/${e.object.metadata.name}`);
          }
        }),
      ),
    );
    try {
      await h.client.create(R.applications, application('hooks', repo.url));
      const s = await waitFor('hooked sync done', async () => {
        const st = await statusOf('hooks');
        return st.operationState?.phase === 'Succeeded' && st.operationState.syncResult.revision === sha
          ? st
          : undefined;
      });
      expect(added).toEqual(['Pod/migrate', 'ConfigMap/settings', 'Pod/smoke']);
      const results = s.operationState?.syncResult.resources ?? [];
      expect(results.find((r) => r.name === 'migrate')).toMatchObject({
        syncPhase: 'PreSync',
        hookPhase: 'Succeeded',
      });
      expect(results.find((r) => r.name === 'smoke')).toMatchObject({
        syncPhase: 'PostSync',
        hookPhase: 'Succeeded',
      });
      await waitFor(
        'migrate hook deleted',
        async () => (await getOrUndefined(h.client, R.pods, 'hooks', 'migrate')) === undefined,
      );
      expect(await getOrUndefined(h.client, R.pods, 'hooks', 'smoke')).toBeDefined();
      // Hooks are not tracked resources: the app is Synced without them.
      expect(s.resources?.map((r) => r.name)).toEqual(['settings']);
    } finally {
      for (const w of watches) {
        w.stop();
      }
    }
  });
});
