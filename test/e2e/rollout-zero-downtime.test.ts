// Rollouts end to end on the real thing, as a new user would check them: `gantry up` in process
// (API server over HTTPS, SQLite, controllers, a local node agent with runc, bridge network and
// the nftables service proxy), objects created through the HTTPS API, and a steady load of
// 100 requests/s (each on a fresh connection, plus a keep-alive stream) against the NodePort on
// 127.0.0.1 for the whole rollout.
// - RollingUpdate v1 → v2: zero failed requests, only v1/v2 answers, only v2 at the end; each old
//   pod leaves the Service's endpoints before its container gets SIGTERM, and each new pod joins
//   them only after it is Ready.
// - Blue/green: preview answers v2 while active answers v1; abort leaves v1 with no v2 pods;
//   retry + promote switches the active Service to v2 with zero failures; the old pods go after
//   scaleDownDelaySeconds.
// - A broken v2 (crashing, or never ready) stops at the surge limit with v1 serving, and the
//   kubectl-style undo (JSON patch of /spec/template from the old ReplicaSet) returns to v1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatSummary, type HttpLoad, type LoadSummary, startLoad } from '../../bench/lib/http-load.js';
import {
  fetchVersion,
  type LogRecord,
  type RolloutCluster,
  startRolloutCluster,
  until,
  untilServes,
} from '../../bench/lib/rollout-cluster.js';
import {
  demoImage,
  deploymentComplete,
  namespace,
  nodePortService,
  setImageJsonPatch,
  setImageStrategic,
  webBlueGreen,
  webDeployment,
} from '../../bench/lib/rollout-objects.js';
import type { KObject } from '../../src/api/types.js';
import { rolloutControl } from '../../src/cli/rollout.js';
import { R } from '../../src/client/resources.js';
import { RolloutObserver } from '../helpers/rollout-observer.js';

const RATE = 100;
const KEEPALIVE_RATE = 50;
const KILLING = 'killing container';
const OUT_OF_RULES = 'pod out of the service rules';

/** The kubelet's drain delay (its default unless the environment sets one, to measure without). */
const DRAIN_DELAY_MS = Number(process.env.GANTRY_TEST_DRAIN_DELAY_MS ?? 1000);

let cluster: RolloutCluster | undefined;

beforeAll(async () => {
  cluster = await startRolloutCluster({
    keepLogs: [KILLING, OUT_OF_RULES],
    versions: ['v1', 'v2'],
    ...(process.env.GANTRY_TEST_DRAIN_DELAY_MS ? { drainDelayMs: DRAIN_DELAY_MS } : {}),
  });
}, 120_000);

afterAll(async () => {
  const left = await cluster?.stop();
  expect(left ?? []).toEqual([]);
}, 120_000);

function c(): RolloutCluster {
  if (!cluster) {
    throw new Error('cluster did not start');
  }
  return cluster;
}

async function createAll(objs: readonly KObject[]): Promise<KObject[]> {
  const out: KObject[] = [];
  for (const o of objs) {
    const res = o.kind === 'Namespace' ? R.namespaces : o.kind === 'Service' ? R.services : undefined;
    if (res) {
      out.push(await c().client.create(res, o));
    } else if (o.kind === 'Deployment') {
      out.push(await c().client.create(R.deployments, o));
    } else {
      out.push(await c().client.create(R.rollouts, o));
    }
  }
  return out;
}

function nodePortOf(svc: KObject): number {
  const p = Number(svc.spec?.ports?.[0]?.nodePort);
  expect(p).toBeGreaterThanOrEqual(30000);
  return p;
}

/** A fresh-connection load at RATE and a keep-alive one at KEEPALIVE_RATE on one NodePort. */
function loads(port: number): { fresh: HttpLoad; keepalive: HttpLoad } {
  const base = { host: '127.0.0.1', port, maxMs: 90_000 };
  return {
    fresh: startLoad({ ...base, rate: RATE, mode: 'fresh' }),
    keepalive: startLoad({ ...base, rate: KEEPALIVE_RATE, mode: 'keepalive' }),
  };
}

function report(what: string, s: LoadSummary): void {
  console.log(`${what}: ${formatSummary(s)}`);
}

function sigterms(uid: string): LogRecord[] {
  return c().logs.filter((l) => l.msg === KILLING && l.podUid === uid && l.signal === 'SIGTERM');
}

async function podsOf(ns: string): Promise<KObject[]> {
  return (await c().client.list(R.pods, { namespace: ns })).items;
}

function imageOf(p: KObject): string | undefined {
  return p.spec?.containers?.[0]?.image;
}

describe('rollouts under load on the real agent (runc, bridge, nftables)', () => {
  it('rolls a 4-replica Deployment v1 → v2 with zero failed requests', async () => {
    const ns = 'ro-rolling';
    await createAll([namespace(ns)]);
    const observer = new RolloutObserver(c().client, ns);
    await observer.start();
    try {
      const [svc] = await createAll([
        nodePortService(ns, 'web', 'web'),
        webDeployment({
          namespace: ns,
          name: 'web',
          app: 'web',
          version: 'v1',
          replicas: 4,
          periodSeconds: 1,
          initialDelaySeconds: 1,
          exitOnSigterm: true,
        }),
      ]);
      const port = nodePortOf(svc!);
      await until(
        'web v1 available',
        async () => deploymentComplete(await c().client.get(R.deployments, ns, 'web')),
        60_000,
      );
      await untilServes(port, 'v1', 20_000);

      const load = loads(port);
      await new Promise((r) => setTimeout(r, 1_000));
      const started = Date.now();
      await c().client.patch(R.deployments, ns, 'web', 'strategic', setImageStrategic(demoImage('v2')));
      await until(
        'the rollout to finish with every v1 pod gone',
        async () =>
          deploymentComplete(await c().client.get(R.deployments, ns, 'web')) &&
          (await podsOf(ns)).every((p) => imageOf(p) === demoImage('v2')),
        60_000,
        100,
      );
      const rolledMs = Date.now() - started;
      const endMark = load.fresh.now();
      await new Promise((r) => setTimeout(r, 2_000));
      const fresh = await load.fresh.stop();
      const keepalive = await load.keepalive.stop();
      console.log(`rolling update v1 → v2 of 4 replicas took ${rolledMs} ms`);
      report('rolling update', fresh);
      report('rolling update', keepalive);

      expect(load.fresh.failures()).toEqual([]);
      expect(load.keepalive.failures()).toEqual([]);
      expect(fresh.sent).toBeGreaterThan(RATE * 3);
      expect(Object.keys(fresh.versions).sort()).toEqual(['v1', 'v2']);
      expect(Object.keys(keepalive.versions).every((v) => v === 'v1' || v === 'v2')).toBe(true);
      expect(new Set(load.fresh.since(endMark).map((r) => r.version))).toEqual(new Set(['v2']));
      await untilServes(port, 'v2', 1_000, 30);

      // traffic contract: endpoints only after Ready, out of the endpoints before SIGTERM
      expect(observer.joinedBeforeReady()).toEqual([]);
      const old = [...observer.pods.values()].filter((p) => p.image === demoImage('v1'));
      expect(old).toHaveLength(4);
      const fresher = [...observer.pods.values()].filter((p) => p.image === demoImage('v2'));
      expect(fresher.length).toBeGreaterThanOrEqual(4);
      for (const p of fresher) {
        expect(observer.stretches(p.uid).length, `${p.name} joined the endpoints`).toBeGreaterThan(0);
      }
      const gaps: string[] = [];
      for (const p of old) {
        const stretches = observer.stretches(p.uid);
        const term = sigterms(p.uid);
        expect(term.length, `${p.name} got SIGTERM`).toBeGreaterThan(0);
        expect(stretches.length).toBeGreaterThan(0);
        for (const s of stretches) {
          expect(s.leftRv, `${p.name} left the endpoints`).toBeDefined();
          expect(s.leftRv!).toBeGreaterThanOrEqual(p.deletionRv!);
          const out = c().logs.find((l) => l.msg === OUT_OF_RULES && l.podUid === p.uid);
          gaps.push(
            `${p.name}: deleted → out of Endpoints ${s.leftAt! - p.deletionAt!} ms → SIGTERM ${term[0]!.time - s.leftAt!} ms${out ? ` (the kubelet waited ${out.waitedMs} ms for the node's rules)` : ''}`,
          );
          // out of the Endpoints (and so of the node's rules, a few ms later) a drain delay before SIGTERM
          expect(
            term[0]!.time - s.leftAt!,
            `${p.name}: SIGTERM a drain delay after leaving the endpoints`,
          ).toBeGreaterThanOrEqual(DRAIN_DELAY_MS);
        }
      }
      console.log(`old pods:\n  ${gaps.join('\n  ')}`);
    } finally {
      observer.stop();
    }
  }, 150_000);

  it('blue/green: preview v2 beside active v1, abort, retry, promote with zero failures', async () => {
    const ns = 'ro-bluegreen';
    await createAll([namespace(ns)]);
    const [active, preview] = await createAll([
      nodePortService(ns, 'shop-active', 'shop'),
      nodePortService(ns, 'shop-preview', 'shop'),
      webBlueGreen({
        namespace: ns,
        name: 'shop',
        app: 'shop',
        version: 'v1',
        replicas: 3,
        periodSeconds: 1,
        exitOnSigterm: true,
        activeService: 'shop-active',
        previewService: 'shop-preview',
        scaleDownDelaySeconds: 3,
        abortScaleDownDelaySeconds: 1,
      }),
    ]);
    const activePort = nodePortOf(active!);
    const previewPort = nodePortOf(preview!);
    const rollout = () => c().client.get(R.rollouts, ns, 'shop');
    const ctl = {
      client: c().client,
      out: { write: (t: string) => void process.stdout.write(t) },
      err: { write: (t: string) => void process.stderr.write(t) },
    };
    await until('shop v1 Healthy', async () => (await rollout()).status?.phase === 'Healthy', 60_000);
    await untilServes(activePort, 'v1', 20_000);

    const load = loads(activePort);
    await c().client.patch(R.rollouts, ns, 'shop', 'json', setImageJsonPatch(demoImage('v2')));
    await until(
      'the preview to be up and the rollout Paused',
      async () => (await rollout()).status?.phase === 'Paused',
      60_000,
    );
    await untilServes(previewPort, 'v2', 20_000);
    expect(await fetchVersion(activePort)).toBe('v1');

    // abort before promotion: v1 keeps serving, the v2 pods go
    await rolloutControl(ctl, 'abort', ns, 'shop');
    await until(
      'no v2 pods after abort',
      async () => (await podsOf(ns)).every((p) => imageOf(p) === demoImage('v1')),
      30_000,
      100,
    );
    expect((await rollout()).status?.phase).toBe('Degraded');
    const beforeRetry = load.fresh.now();

    // retry, then promote
    await rolloutControl(ctl, 'retry', ns, 'shop');
    await until(
      'Paused again with the preview up',
      async () => (await rollout()).status?.phase === 'Paused',
      60_000,
    );
    await untilServes(previewPort, 'v2', 20_000);
    expect(load.fresh.since(beforeRetry).every((r) => r.version === 'v1')).toBe(true);
    await rolloutControl(ctl, 'promote', ns, 'shop');
    const promoted = Date.now();
    await until(
      'the active Service to select the new ReplicaSet',
      async () => {
        const ro = await rollout();
        const svc = await c().client.get(R.services, ns, 'shop-active');
        return (
          ro.status?.currentPodHash !== undefined &&
          svc.spec?.selector?.['rollouts-pod-template-hash'] === ro.status.currentPodHash
        );
      },
      30_000,
    );
    const switched = Date.now();
    await untilServes(activePort, 'v2', 5_000, 30);
    const v2Only = load.fresh.now();
    // the old pods stay for scaleDownDelaySeconds (3 s) after the switch, then go
    const v1Gone = await until(
      'the v1 pods to go',
      async () => ((await podsOf(ns)).every((p) => imageOf(p) === demoImage('v2')) ? Date.now() : 0),
      30_000,
      100,
    );
    await new Promise((r) => setTimeout(r, 1_000));
    const fresh = await load.fresh.stop();
    const keepalive = await load.keepalive.stop();
    console.log(
      `blue/green: promote → active switched ${switched - promoted} ms, switched → v1 pods gone ${v1Gone - switched} ms`,
    );
    report('blue/green (abort, retry, promote)', fresh);
    report('blue/green (abort, retry, promote)', keepalive);

    expect(load.fresh.failures()).toEqual([]);
    expect(load.keepalive.failures()).toEqual([]);
    expect(Object.keys(fresh.versions).sort()).toEqual(['v1', 'v2']);
    expect(new Set(load.fresh.since(v2Only).map((r) => r.version))).toEqual(new Set(['v2']));
    expect(new Set(load.keepalive.since(v2Only).map((r) => r.version))).toEqual(new Set(['v2']));
    expect(v1Gone - promoted).toBeGreaterThanOrEqual(3_000);
    expect((await rollout()).status?.phase).toBe('Healthy');
  }, 150_000);

  it('a broken v2 stops at the surge limit with v1 serving; undo returns to v1', async () => {
    const ns = 'ro-broken';
    await createAll([namespace(ns)]);
    const replicas = 4; // maxSurge 25% → 1, maxUnavailable 25% → 1
    const [svc] = await createAll([
      nodePortService(ns, 'api', 'api'),
      webDeployment({
        namespace: ns,
        name: 'api',
        app: 'api',
        version: 'v1',
        replicas,
        periodSeconds: 1,
        exitOnSigterm: true,
      }),
    ]);
    const port = nodePortOf(svc!);
    const deployment = () => c().client.get(R.deployments, ns, 'api');
    await until('api v1 available', async () => deploymentComplete(await deployment()), 60_000);
    await untilServes(port, 'v1', 20_000);
    const load = loads(port);

    const cases: { what: string; patch: unknown }[] = [
      {
        what: 'a container that exits 1 at once',
        patch: {
          spec: {
            template: {
              spec: {
                containers: [{ name: 'web', image: demoImage('v2'), command: ['sh', '-c', 'exit 1'] }],
              },
            },
          },
        },
      },
      {
        what: 'a readiness probe that never passes',
        patch: {
          spec: {
            template: {
              spec: {
                containers: [
                  {
                    name: 'web',
                    image: demoImage('v2'),
                    readinessProbe: { httpGet: { path: '/never-there', port: 'http' }, periodSeconds: 1 },
                  },
                ],
              },
            },
          },
        },
      },
    ];
    for (const k of cases) {
      const before = await deployment();
      const rsBefore = (await c().client.list(R.replicasets, { namespace: ns })).items;
      const v1Rs = rsBefore.find((rs) => Number(rs.status?.availableReplicas ?? 0) === replicas)!;
      expect(v1Rs, 'the v1 ReplicaSet').toBeDefined();
      await c().client.patch(R.deployments, ns, 'api', 'strategic', k.patch);
      // the rollout gets as far as the fence posts allow and stays there
      await until(
        `${k.what}: the new ReplicaSet at its surge limit`,
        async () => {
          const d = await deployment();
          return (
            Number(d.status?.observedGeneration) >= Number(d.metadata.generation) &&
            Number(d.status?.updatedReplicas ?? 0) === 2 &&
            Number(d.status?.replicas ?? 0) === replicas + 1
          );
        },
        30_000,
        100,
      );
      await new Promise((r) => setTimeout(r, 4_000));
      const stuck = await deployment();
      const pods = await podsOf(ns);
      const v1Ready = pods.filter(
        (p) =>
          imageOf(p) === demoImage('v1') &&
          !p.metadata.deletionTimestamp &&
          p.status?.conditions?.some(
            (x: { type: string; status: string }) => x.type === 'Ready' && x.status === 'True',
          ),
      );
      console.log(
        `${k.what}: stuck with updated=${stuck.status?.updatedReplicas} replicas=${stuck.status?.replicas} available=${stuck.status?.availableReplicas}, v1 ready pods ${v1Ready.length}`,
      );
      expect(stuck.status?.updatedReplicas).toBe(2);
      expect(stuck.status?.replicas).toBeLessThanOrEqual(replicas + 1);
      expect(Number(stuck.status?.availableReplicas)).toBeGreaterThanOrEqual(replicas - 1);
      expect(v1Ready.length).toBeGreaterThanOrEqual(replicas - 1);
      expect(pods.filter((p) => !p.metadata.deletionTimestamp).length).toBeLessThanOrEqual(replicas + 1);
      expect(new Set(load.fresh.results.map((r) => r.version))).toEqual(new Set(['v1']));

      // kubectl rollout undo: the old ReplicaSet's template, hash label removed, as a JSON patch
      const template = structuredClone(v1Rs.spec.template) as KObject['spec'];
      delete template.metadata.labels['pod-template-hash'];
      await c().client.patch(R.deployments, ns, 'api', 'json', [
        { op: 'replace', path: '/spec/template', value: template },
      ]);
      await until(
        `${k.what}: undo back to v1 with the broken pods gone`,
        async () =>
          deploymentComplete(await deployment()) &&
          (await podsOf(ns)).every(
            (p) => p.metadata.labels?.['pod-template-hash'] === v1Rs.metadata.labels?.['pod-template-hash'],
          ),
        60_000,
        100,
      );
      const after = await deployment();
      expect(Number(after.metadata.annotations?.['deployment.kubernetes.io/revision'])).toBeGreaterThan(
        Number(before.metadata.annotations?.['deployment.kubernetes.io/revision']),
      );
    }
    await new Promise((r) => setTimeout(r, 1_000));
    const fresh = await load.fresh.stop();
    const keepalive = await load.keepalive.stop();
    report('broken v2 + undo', fresh);
    report('broken v2 + undo', keepalive);
    expect(load.fresh.failures()).toEqual([]);
    expect(load.keepalive.failures()).toEqual([]);
    expect(Object.keys(fresh.versions)).toEqual(['v1']);
    await untilServes(port, 'v1', 1_000, 20);
  }, 150_000);
});
