#!/usr/bin/env -S node --max-semi-space-size=4
// V8's young generation grows to 2 × 16 MB in any long-running process (it stays that size once
// grown): 4 MB semi-spaces keep ~24 MB off the RSS of `gantry server` and `gantry agent` for a few
// more scavenges (bench/RESULTS.md, "API server" and "Node agent": memory).
import { readFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
// The `gantry` command. Thin: parses flags and calls library modules.
import { Command, InvalidArgumentError } from 'commander';
import { startAgent } from '../agent/agent.js';
import { GANTRY_VERSION } from '../cluster/apiserver/discovery.js';
import { TokenStore } from '../cluster/auth/tokens.js';
import type { UpFlags } from './daemon.js';
import { rootLogger } from './logger.js';

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InvalidArgumentError(`"${v}" is not a TCP port (0-65535)`);
  }
  return n;
}

/** A commander parser for an integer option of at least `min` ms; `what` names it in the error. */
function msAtLeast(min: number, what: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) {
      throw new InvalidArgumentError(`"${v}" is not ${what}`);
    }
    return n;
  };
}

const leaseMs = msAtLeast(1000, 'a lease duration in ms (an integer >= 1000)');
const millis = msAtLeast(0, 'a duration in ms (a non-negative integer)');
const pollMs = msAtLeast(100, 'a poll interval in ms (an integer >= 100)');

function defaultDataDir(): string {
  return process.env.GANTRY_DATA_DIR ?? join(homedir(), '.gantry');
}

const program = new Command();
program
  .name('gantry')
  .description('GitOps deployment operator with its own Kubernetes-compatible control plane');
program.version(GANTRY_VERSION, '--version');

const collect = (v: string, acc: string[]) => [...acc, v];

for (const mode of ['server', 'up'] as const) {
  const cmd = program
    .command(mode)
    .description(
      mode === 'server'
        ? 'run the control plane: API server, store, controllers, scheduler and the GitOps sync engine'
        : 'run everything on this machine: the control plane, sync and a local node agent',
    )
    .option('--data-dir <dir>', 'state directory (store, PKI, tokens, kubeconfig)', defaultDataDir())
    .option('--port <n>', 'API server port', port, 6443)
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--store <spec>', 'memory | sqlite:PATH | etcd:URL[,URL…] (default sqlite in the data dir)')
    .option('--tls-san <host>', 'extra name or IP for the server certificate (repeatable)', collect, [])
    .option('--poll-ms <ms>', 'how often each Application checks its repository', pollMs, 15_000)
    .option('--webhook-secret <secret>', 'HMAC secret of /api/webhook (default $GANTRY_WEBHOOK_SECRET)')
    .option(
      '--leader-elect',
      'run controllers and sync only while holding the leader lease (default with etcd)',
    )
    .option('--no-leader-elect', 'run controllers and sync unconditionally (one server per store)')
    .option('--leader-lease-ms <ms>', 'leader lease duration: how fast a standby server takes over', leaseMs)
    .option('--node-grace-ms <ms>', 'node lease silence before a node is marked NotReady', leaseMs)
    .option('--pod-eviction-ms <ms>', "how long a NotReady node's pods are kept before eviction", millis);
  if (mode === 'up') {
    cmd
      .option('--repo <url>', 'git repository to sync (creates one Application)')
      .option('--path <dir>', 'directory of the manifests inside the repository', '.')
      .option('--revision <branch>', 'branch, tag or commit to follow', 'HEAD')
      .option('--app <name>', 'name of that Application', 'default')
      .option('--namespace <ns>', 'namespace for manifests that name none', 'default')
      .option('--demo <dir>', 'run the bundled demo: a local git repository made from DIR (npm start)')
      .option('--node-name <name>', 'name of the local node', hostname())
      .option('--agent-port <n>', "port of the local agent's log/exec endpoint", port, 10250)
      .option('--insecure-registry <host>', 'registry (host:port) reached over plain HTTP', collect, []);
  }
  cmd.action(async (flags: UpFlags) => {
    const { runDaemon } = await import('./daemon.js');
    await runDaemon(mode, { ...flags, insecureRegistry: flags.insecureRegistry ?? [] });
  });
}

interface AgentFlags {
  join: string;
  token: string;
  nodeName: string;
  dataDir: string;
  caFile?: string;
  insecureSkipTlsVerify?: boolean;
  insecureRegistry: string[];
  allowedHostPath: string[];
  port: number;
  address?: string;
  bridgeName?: string;
  netnsPrefix?: string;
  vethPrefix?: string;
  runcRoot?: string;
  serviceTable?: string;
  leaseRenewMs?: number;
  nodeStatusMs?: number;
  podRoutes: boolean;
}

async function runAgent(flags: AgentFlags): Promise<void> {
  if (flags.caFile && flags.insecureSkipTlsVerify) {
    throw new InvalidArgumentError('--ca-file and --insecure-skip-tls-verify exclude each other');
  }
  if (flags.insecureSkipTlsVerify) {
    // this process talks to one API server only; without a CA it cannot verify the server
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  }
  const log = rootLogger();
  const agent = await startAgent({
    apiServer: flags.join.split(','),
    token: flags.token,
    caPem: flags.caFile ? readFileSync(flags.caFile, 'utf8') : undefined,
    nodeName: flags.nodeName,
    dataDir: flags.dataDir,
    insecureRegistries: flags.insecureRegistry,
    allowedHostPaths: flags.allowedHostPath,
    port: flags.port,
    address: flags.address,
    bridgeName: flags.bridgeName,
    netnsPrefix: flags.netnsPrefix,
    vethPrefix: flags.vethPrefix,
    runcRoot: flags.runcRoot,
    serviceTable: flags.serviceTable,
    leaseRenewMs: flags.leaseRenewMs,
    nodeStatusMs: flags.nodeStatusMs,
    podRoutes: flags.podRoutes,
    logger: log,
  });
  process.stdout.write(
    `gantry agent: node ${agent.nodeName} joined ${flags.join} (pod CIDR ${agent.podCidr})\n`,
  );
  let stopping = false;
  const stop = async (sig: string) => {
    if (stopping) {
      return;
    }
    stopping = true;
    log.info({ signal: sig }, 'stopping (pods keep running)');
    await agent.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

program
  .command('agent')
  .description('run a node agent that joins a Gantry control plane and runs its pods with runc')
  .requiredOption('--join <url>', 'API server URL (comma-separated for several)')
  .requiredOption('--token <token>', 'node join token (gantry token create)')
  .option('--node-name <name>', 'name of this node', hostname())
  .option(
    '--data-dir <dir>',
    'state directory (images, containers, pods, network)',
    join(defaultDataDir(), 'agent'),
  )
  .option('--ca-file <file>', "the API server's CA certificate (PEM)")
  .option('--insecure-skip-tls-verify', "do not verify the API server's certificate")
  .option(
    '--insecure-registry <host>',
    'registry (host:port) reached over plain HTTP (repeatable)',
    collect,
    [],
  )
  .option('--allowed-host-path <prefix>', 'prefix hostPath volumes may use (repeatable)', collect, [])
  .option('--port <n>', 'port of the log/exec endpoint the API server calls', port, 10250)
  .option('--address <ip>', "the node's InternalIP (default: the first non-loopback IPv4 address)")
  .option('--bridge-name <name>', 'Linux bridge of the pods (default gantry0)')
  .option('--netns-prefix <prefix>', "prefix of the pods' network namespace names (default gantry-)")
  .option('--veth-prefix <prefix>', 'prefix of the host-side veth names (default gv)')
  .option('--runc-root <dir>', "runc's state directory (default /run/gantry-runc)")
  .option('--service-table <name>', 'nftables table of the service proxy (default gantry-svc)')
  .option('--lease-renew-ms <ms>', 'how often the node Lease is renewed', leaseMs)
  .option('--node-status-ms <ms>', 'how often the node status is posted', leaseMs)
  .option('--no-pod-routes', "do not route to other nodes' pod CIDRs (an overlay or the network does it)")
  .action(async (flags: AgentFlags) => runAgent(flags));

program
  .command('token')
  .description('manage join tokens')
  .command('create')
  .description('create a node join token and print it')
  .option('--data-dir <dir>', "the server's state directory", defaultDataDir())
  .action((flags: { dataDir: string }) => {
    process.stdout.write(`${new TokenStore(flags.dataDir).createNodeToken()}\n`);
  });

program
  .command('image')
  .description("manage the local node's images")
  .command('import <dir>')
  .description(
    'load an OCI image layout (index.json + blobs/) into the node agent image store, for machines with no registry',
  )
  .option('--data-dir <dir>', "the agent's state directory", join(defaultDataDir(), 'agent'))
  .option('--ref <ref>', 'the reference to store it as (when the layout does not name it)')
  .action(async (dir: string, flags: { dataDir: string; ref?: string }) => {
    const { LocalImageStore } = await import('../agent/images/index.js');
    const store = new LocalImageStore({ root: join(flags.dataDir, 'images') });
    for (const img of await store.importLayout(dir, flags.ref)) {
      process.stdout.write(`imported ${img.ref} (${img.digest})\n`);
    }
  });

// Command groups whose modules are heavy (sync, diff, git, promote) load only when used or when
// help is shown: `gantry agent` on a node must not carry the control plane's code in its memory.
const groups: Record<string, () => Promise<(p: Command) => void>> = {
  app: async () => (await import('./app.js')).registerAppCommands,
  promote: async () => (await import('./promote.js')).registerPromoteCommands,
  rollback: async () => (await import('./promote.js')).registerPromoteCommands,
  rollout: async () => (await import('./rollout.js')).registerRolloutCommands,
  store: async () => (await import('./store.js')).registerStoreCommands,
  get: async () => (await import('./kube-commands.js')).registerKubeCommands,
  logs: async () => (await import('./kube-commands.js')).registerKubeCommands,
  completion: async () => (await import('./completion.js')).registerCompletionCommands,
  __complete: async () => (await import('./completion.js')).registerCompletionCommands,
};
const sub = process.argv[2];
// help lists every command and completion walks the whole tree: both load every group
const everyGroup =
  sub === undefined || sub.startsWith('-') || ['help', 'completion', '__complete'].includes(sub);
const wanted = everyGroup ? Object.values(groups) : Object.hasOwn(groups, sub) ? [groups[sub]!] : [];
const registered = new Set<(p: Command) => void>();
for (const load of wanted) {
  const register = await load();
  if (!registered.has(register)) {
    registered.add(register);
    register(program);
  }
}

program
  .command('version')
  .description('print the version')
  .option('-o, --output <format>', 'json | yaml')
  .action(async (o: { output?: string }) => {
    const { parseOutputFormat, toJson, toYamlText } = await import('./output.js');
    const format = parseOutputFormat(o.output, ['table', 'json', 'yaml']);
    const doc = {
      clientVersion: { gitVersion: GANTRY_VERSION, platform: `${process.platform}/${process.arch}` },
    };
    process.stdout.write(
      format === 'json' ? toJson(doc) : format === 'yaml' ? toYamlText(doc) : `gantry ${GANTRY_VERSION}\n`,
    );
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`gantry: ${(e as Error)?.message ?? String(e)}\n`);
  process.exit(1);
});
