// The HTTP phase of the node agent bench: a NodePort Service over running backend pods, then wrk
// against one pod IP, all the backends' pod IPs at once, the ClusterIP and 127.0.0.1:NodePort, in
// alternating order over several rounds.
import { execFile } from 'node:child_process';
import http from 'node:http';
import { promisify } from 'node:util';
import type { KObject } from '../../src/api/types.js';
import { R } from '../../src/client/resources.js';
import type { StartEnv } from './agent-phases.js';
import type { ThroughputResult } from './agent-report.js';
import { nowMs, percentile, sleep } from './stats.js';
import { runWrk, type WrkOptions, type WrkResult } from './wrk.js';

const exec = promisify(execFile);
const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

/**
 * A NodePort Service over the `role: backend` pods; resolves once the agent's nft table holds its
 * rules (every backend) and the pod IP, the ClusterIP and 127.0.0.1:NodePort answer with the page.
 */
export async function backendService(
  env: StartEnv,
  backends: readonly string[],
  page: string,
  nftTable: string,
): Promise<{ podIPs: string[]; clusterIP: string; nodePort: number }> {
  const svc = (await env.client.create(R.services, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'bench-web', namespace: env.namespace },
    spec: {
      type: 'NodePort',
      selector: { app: 'bench-agent', role: 'backend' },
      ports: [{ name: 'http', port: 80, targetPort: 80 }],
    },
  })) as KObject & { spec?: { clusterIP?: string; ports?: { nodePort?: number }[] } };
  const clusterIP = svc.spec?.clusterIP ?? '';
  const nodePort = svc.spec?.ports?.[0]?.nodePort ?? 0;
  const podIPs = backends.map((b) => env.tracker.times(b).podIP ?? '');
  if (!clusterIP || !nodePort || podIPs.some((ip) => !ip)) {
    throw new Error(
      `service without a ClusterIP/NodePort or pod without an IP: ${clusterIP} ${nodePort} ${podIPs.join(' ')}`,
    );
  }
  // No packet goes to the ClusterIP before the node's rules DNAT it to the pods: without them it
  // would leave the machine through the default route.
  const deadline = nowMs() + 20_000;
  for (;;) {
    const rules = await exec('nft', ['list', 'table', 'ip', nftTable]).then(
      (r) => r.stdout,
      () => '',
    );
    const programmed =
      rules.includes(`${clusterIP} . tcp . 80 : goto`) &&
      rules.includes(`tcp . ${nodePort} : goto`) &&
      (backends.length === 1 || rules.includes(`numgen random mod ${backends.length} `));
    const bodies = programmed
      ? await Promise.all(
          [
            ...podIPs.map((ip) => `http://${ip}/`),
            `http://${clusterIP}/`,
            `http://127.0.0.1:${nodePort}/`,
          ].map(httpGet),
        )
      : [];
    if (programmed && bodies.every((b) => b === page)) {
      return { podIPs, clusterIP, nodePort };
    }
    if (nowMs() > deadline) {
      throw new Error(
        `service ${clusterIP}:80 / NodePort ${nodePort} over ${backends.length} pods not ready after 20 s: ${programmed ? `answers ${JSON.stringify(bodies)}` : `nft table ${nftTable} lacks its rules`}`,
      );
    }
    await sleep(200);
  }
}

/** GET on a fresh connection (no pooling), the body or a description of what went wrong. */
function httpGet(url: string): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve(res.statusCode === 200 ? body : `${url}: HTTP ${res.statusCode} ${body}`));
      res.on('error', (e) => resolve(`${url}: ${e.message}`));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve(`${url}: ${e.message}`));
  });
}

function sum(results: readonly WrkResult[], url: string): WrkResult {
  const requests = results.reduce((a, r) => a + r.requests, 0);
  const seconds = results.reduce((a, r) => a + r.seconds, 0);
  const worst = (f: (r: WrkResult) => number) => Math.max(...results.map(f));
  return {
    url,
    requests,
    seconds,
    requestsPerSec: requests / seconds,
    // per-round percentiles cannot be merged exactly: the median of the rounds' p50, the worst p99
    latencyP50Ms: median(results.map((r) => r.latencyP50Ms)),
    latencyP99Ms: worst((r) => r.latencyP99Ms),
    errors: results.reduce((a, r) => a + r.errors, 0),
  };
}

/** wrk against several URLs at once, connections split between them; figures added up. */
async function runWrkSpread(urls: readonly string[], opts: WrkOptions): Promise<WrkResult> {
  const results = await Promise.all(
    urls.map((u, i) =>
      runWrk(u, {
        threads: 1,
        connections:
          Math.floor(opts.connections / urls.length) + (i < opts.connections % urls.length ? 1 : 0),
        durationS: opts.durationS,
      }),
    ),
  );
  const requests = results.reduce((a, r) => a + r.requests, 0);
  const seconds = Math.max(...results.map((r) => r.seconds));
  return {
    url: urls.join(' + '),
    requests,
    seconds,
    requestsPerSec: results.reduce((a, r) => a + r.requestsPerSec, 0),
    latencyP50Ms: median(results.map((r) => r.latencyP50Ms)),
    latencyP99Ms: Math.max(...results.map((r) => r.latencyP99Ms)),
    errors: results.reduce((a, r) => a + r.errors, 0),
  };
}

type Target = 'direct' | 'directAll' | 'clusterIP' | 'nodePort';

export async function httpThroughput(
  targets: { podIPs: readonly string[]; clusterIP: string; nodePort: number },
  opts: { threads: number; connections: number; durationS: number; rounds: number; backends: number },
  log: (s: string) => void,
): Promise<ThroughputResult> {
  const podUrls = targets.podIPs.map((ip) => `http://${ip}/`);
  const urls: Record<Target, string> = {
    direct: podUrls[0]!,
    directAll: podUrls.join(' + '),
    clusterIP: `http://${targets.clusterIP}/`,
    nodePort: `http://127.0.0.1:${targets.nodePort}/`,
  };
  const keys: readonly Target[] = ['direct', 'directAll', 'clusterIP', 'nodePort'];
  const runs: Record<Target, WrkResult[]> = { direct: [], directAll: [], clusterIP: [], nodePort: [] };
  for (let round = 0; round < opts.rounds; round++) {
    const order = round % 2 === 0 ? keys : [...keys].reverse();
    for (const k of order) {
      const r = k === 'directAll' ? await runWrkSpread(podUrls, opts) : await runWrk(urls[k], opts);
      runs[k].push(r);
      log(
        `  round ${round + 1} ${k.padEnd(9)} ${Math.round(r.requestsPerSec)} req/s, p50 ${r.latencyP50Ms.toFixed(2)} ms, p99 ${r.latencyP99Ms.toFixed(2)} ms, errors ${r.errors}  (${urls[k]})`,
      );
    }
  }
  return {
    ...opts,
    direct: sum(runs.direct, urls.direct),
    directAll: sum(runs.directAll, urls.directAll),
    clusterIP: sum(runs.clusterIP, urls.clusterIP),
    nodePort: sum(runs.nodePort, urls.nodePort),
  };
}
