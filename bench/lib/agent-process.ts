// The node agent as a process of its own, so that its memory can be read from /proc apart from
// the API server's and the bench's. The child runs what `gantry agent --join URL --token T` runs
// (startAgent with an HttpClient to the server, the default image store, runc runtime, bridge
// network, nftables service proxy and cluster DNS, a pino root logger) with only the names the
// bench needs to stay clear of other agents on the machine (bridge, netns, veth, nft table, runc
// root, pod CIDR); `gantry agent` has no flags for those. On SIGTERM it stops and removes its pods,
// network and rules (what `gantry up` does on exit), then exits.
//
//   parent: spawnAgentProcess(config)      child: node dist/bench/lib/agent-process.js '<json>'
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface AgentProcessConfig {
  readonly server: string;
  readonly token: string;
  readonly caFile: string;
  readonly nodeName: string;
  readonly dataDir: string;
  readonly podCidr: string;
  readonly bridgeName: string;
  readonly netnsPrefix: string;
  readonly vethPrefix: string;
  readonly nftTable: string;
  readonly runcRoot: string;
}

/** RSS (MB) of the child at its start-up stages (process.memoryUsage().rss). */
export interface StartupRss {
  readonly nodeBaseMB: number;
  readonly agentModulesMB: number;
  readonly cliModulesMB: number;
  readonly joinedMB: number;
}

export interface HeapFigures {
  readonly rssMB: number;
  readonly heapUsedMB: number;
  readonly heapTotalMB: number;
  readonly externalMB: number;
  readonly arrayBuffersMB: number;
}

export interface AgentProcess {
  readonly pid: number;
  readonly startup: StartupRss;
  output(): string;
  /** The child's process.memoryUsage() now (asked for with SIGUSR2). */
  heap(): Promise<HeapFigures>;
  /** SIGTERM (the child removes its pods), SIGKILL after timeoutMs; resolves on exit. */
  stop(timeoutMs?: number): Promise<number | null>;
}

const READY = 'bench agent ready';
const STARTUP = 'bench agent startup rss ';
const HEAP = 'bench agent heap ';
const MB = (bytes: number) => bytes / 1e6;

function lastJson<T>(out: string, marker: string): T | undefined {
  const at = out.lastIndexOf(marker);
  if (at < 0) {
    return undefined;
  }
  const line = out.slice(at + marker.length).split('\n')[0] ?? '';
  try {
    return JSON.parse(line) as T;
  } catch {
    return undefined;
  }
}

export async function spawnAgentProcess(
  config: AgentProcessConfig,
  startTimeoutMs = 60_000,
): Promise<AgentProcess> {
  const child: ChildProcess = spawn(process.execPath, [import.meta.filename, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GANTRY_LOG_LEVEL: process.env.GANTRY_LOG_LEVEL ?? 'warn' },
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((r) =>
    child.once('exit', (code) => {
      exitCode = code;
      r(code);
    }),
  );
  const stop = async (timeoutMs = 120_000) => {
    if (exitCode === undefined) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(t);
    }
    return exitCode ?? null;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`agent process not ready after ${startTimeoutMs} ms:\n${out}`)),
        startTimeoutMs,
      );
      child.stdout!.on('data', () => {
        if (out.includes(READY)) {
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`agent process exited with ${code} before it was ready:\n${out}`));
      });
    });
  } catch (e) {
    await stop(10_000);
    throw e;
  }
  const startup = lastJson<StartupRss>(out, STARTUP);
  if (!startup) {
    await stop(10_000);
    throw new Error(`agent process printed no start-up memory figures:\n${out}`);
  }
  const heap = async (): Promise<HeapFigures> => {
    const before = out.length;
    child.kill('SIGUSR2');
    for (let i = 0; i < 500; i++) {
      const fresh = lastJson<HeapFigures>(out.slice(before), HEAP);
      if (fresh) {
        return fresh;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('agent process did not report its heap');
  };
  return { pid: child.pid!, startup, output: () => out, heap, stop };
}

async function childMain(config: AgentProcessConfig): Promise<void> {
  const rss = () => MB(process.memoryUsage().rss);
  const nodeBaseMB = rss();
  // Loaded here so that the parent does not load them for nothing, and so that each stage's RSS
  // can be told apart.
  const [agentMod, { BridgeNetwork }, { NftServiceProxy }, { RuncRuntime }, { rootLogger }] =
    await Promise.all([
      import('../../src/agent/agent.js'),
      import('../../src/agent/network/bridge-network.js'),
      import('../../src/agent/network/nft-service-proxy.js'),
      import('../../src/agent/runtime/runc-runtime.js'),
      import('../../src/cli/logger.js'),
    ]);
  const agentModulesMB = rss();
  // `gantry agent` runs from src/cli/main.ts, which loads every command's module: part of its RSS.
  await Promise.all([
    import('commander'),
    import('../../src/cli/app.js'),
    import('../../src/cli/daemon.js'),
    import('../../src/cli/rollout.js'),
    import('../../src/cli/store.js'),
  ]);
  const cliModulesMB = rss();
  const { startAgent } = agentMod;
  const log = rootLogger();
  const address = '127.0.0.1';
  const agent = await startAgent({
    apiServer: [config.server],
    token: config.token,
    caPem: readFileSync(config.caFile, 'utf8'),
    nodeName: config.nodeName,
    dataDir: config.dataDir,
    podCidr: config.podCidr,
    address,
    port: 0,
    logger: log,
    runtime: new RuncRuntime({
      root: join(config.dataDir, 'containers'),
      runcRoot: config.runcRoot,
      logger: log,
    }),
    network: new BridgeNetwork({
      stateDir: join(config.dataDir, 'network'),
      bridgeName: config.bridgeName,
      netnsPrefix: config.netnsPrefix,
      vethPrefix: config.vethPrefix,
      noMasqueradeCidrs: [agentMod.CLUSTER_POD_CIDR],
      logger: log,
    }),
    proxy: new NftServiceProxy({ tableName: config.nftTable, nodeIPs: [address], logger: log }),
  });
  const startup: StartupRss = { nodeBaseMB, agentModulesMB, cliModulesMB, joinedMB: rss() };
  process.stdout.write(`${STARTUP}${JSON.stringify(startup)}\n`);
  process.stdout.write(`${READY}: node ${agent.nodeName}, pod CIDR ${agent.podCidr}\n`);
  process.on('SIGUSR2', () => {
    const m = process.memoryUsage();
    const heap: HeapFigures = {
      rssMB: MB(m.rss),
      heapUsedMB: MB(m.heapUsed),
      heapTotalMB: MB(m.heapTotal),
      externalMB: MB(m.external),
      arrayBuffersMB: MB(m.arrayBuffers),
    };
    process.stdout.write(`${HEAP}${JSON.stringify(heap)}\n`);
  });
  let stopping = false;
  const stop = () => {
    if (stopping) {
      return;
    }
    stopping = true;
    agent
      .stop({ removePods: true })
      .then(() => process.exit(0))
      .catch((e: unknown) => {
        process.stderr.write(`bench agent stop failed: ${(e as Error)?.stack ?? String(e)}\n`);
        process.exit(1);
      });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  childMain(JSON.parse(process.argv[2] ?? '{}') as AgentProcessConfig).catch((e: unknown) => {
    process.stderr.write(`bench agent failed: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(1);
  });
}
