// The node agent as a process of its own, so that its memory can be read from /proc apart from
// the API server's and the bench's. The child loads the modules `gantry agent` loads (src/cli/
// main.ts's imports: the agent, commander, the logger, discovery, tokens; not the other commands',
// which main.ts loads only for those commands) and runs what `gantry agent --join URL --token T
// --bridge-name … --netns-prefix … --veth-prefix … --runc-root … --service-table …` runs
// (startAgent with an HttpClient to the server and its default image store, runc runtime, bridge
// network, nftables service proxy and cluster DNS, a pino root logger), plus a pod CIDR of its
// own. Unlike `gantry agent`, on SIGTERM it stops and removes its pods, network and rules (what
// `gantry up` does on exit), then exits, so that the bench leaves nothing behind.
//
//   parent: spawnAgentProcess(config)      child: node dist/bench/lib/agent-process.js '<json>'
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { shebangNodeFlags } from './entry-flags.js';

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
  /** V8's young generation (both semi-spaces) as committed now. */
  readonly newSpaceMB: number;
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
  // node runs with the options `gantry`'s entry asks for, as `gantry agent` would
  const nodeFlags = shebangNodeFlags(join(import.meta.dirname, '../../src/cli/main.js'));
  const child: ChildProcess = spawn(
    process.execPath,
    [...nodeFlags, import.meta.filename, JSON.stringify(config)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GANTRY_LOG_LEVEL: process.env.GANTRY_LOG_LEVEL ?? 'warn' },
    },
  );
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
  // can be told apart: first the agent (with its default runtime, network, service proxy, DNS and
  // image store) and the root logger ...
  const [{ startAgent }, { rootLogger }] = await Promise.all([
    import('../../src/agent/agent.js'),
    import('../../src/cli/logger.js'),
  ]);
  const agentModulesMB = rss();
  // ... then the rest of what src/cli/main.ts imports before it runs `gantry agent` (it loads the
  // other commands' modules only when those commands run).
  await Promise.all([
    import('commander'),
    import('../../src/cluster/apiserver/discovery.js'),
    import('../../src/cluster/auth/tokens.js'),
  ]);
  const cliModulesMB = rss();
  const log = rootLogger();
  const address = '127.0.0.1';
  // the options `gantry agent --join … --bridge-name … --netns-prefix … --veth-prefix …
  // --runc-root … --service-table …` passes (plus the pod CIDR, so runs do not collide)
  const agent = await startAgent({
    apiServer: [config.server],
    token: config.token,
    caPem: readFileSync(config.caFile, 'utf8'),
    nodeName: config.nodeName,
    dataDir: config.dataDir,
    podCidr: config.podCidr,
    address,
    port: 0,
    bridgeName: config.bridgeName,
    netnsPrefix: config.netnsPrefix,
    vethPrefix: config.vethPrefix,
    runcRoot: config.runcRoot,
    serviceTable: config.nftTable,
    logger: log,
  });
  const startup: StartupRss = { nodeBaseMB, agentModulesMB, cliModulesMB, joinedMB: rss() };
  process.stdout.write(`${STARTUP}${JSON.stringify(startup)}\n`);
  process.stdout.write(`${READY}: node ${agent.nodeName}, pod CIDR ${agent.podCidr}\n`);
  process.on('SIGUSR2', () => {
    const m = process.memoryUsage();
    // GANTRY_BENCH_AGENT_HEAPSNAPSHOT=DIR: also write a heap snapshot there (after the figures
    // above are read, since writing one runs a full GC)
    const snapshotDir = process.env.GANTRY_BENCH_AGENT_HEAPSNAPSHOT;
    if (snapshotDir) {
      setTimeout(() => writeHeapSnapshot(join(snapshotDir, `agent-${process.pid}.heapsnapshot`)), 100);
    }
    const heap: HeapFigures = {
      rssMB: MB(m.rss),
      heapUsedMB: MB(m.heapUsed),
      heapTotalMB: MB(m.heapTotal),
      externalMB: MB(m.external),
      arrayBuffersMB: MB(m.arrayBuffers),
      newSpaceMB: MB(getHeapSpaceStatistics().find((x) => x.space_name === 'new_space')?.space_size ?? 0),
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
