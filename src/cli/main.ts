#!/usr/bin/env node
import { homedir } from 'node:os';
import { join } from 'node:path';
// The `gantry` command. Thin: parses flags and calls library modules.
import { Command, InvalidArgumentError } from 'commander';
import { GANTRY_VERSION } from '../cluster/apiserver/discovery.js';
import { startControlPlane } from '../cluster/control-plane.js';
import { rootLogger } from './logger.js';

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InvalidArgumentError(`"${v}" is not a TCP port (0-65535)`);
  }
  return n;
}

function defaultDataDir(): string {
  return process.env.GANTRY_DATA_DIR ?? join(homedir(), '.gantry');
}

interface ServerFlags {
  dataDir: string;
  port: number;
  host: string;
  store?: string;
  tlsSan: string[];
}

async function runServer(flags: ServerFlags, mode: 'server' | 'up'): Promise<void> {
  const log = rootLogger();
  const cp = await startControlPlane({
    dataDir: flags.dataDir,
    port: flags.port,
    host: flags.host,
    store: flags.store,
    tlsHosts: flags.tlsSan,
    logger: log,
  });
  const out = process.stdout;
  out.write(`gantry ${mode}: API server at ${cp.url}\n`);
  out.write(`kubeconfig: ${cp.kubeconfigPath}\n`);
  out.write(`  export KUBECONFIG=${cp.kubeconfigPath}; kubectl get nodes\n`);
  let stopping = false;
  const stop = async (sig: string) => {
    if (stopping) {
      return;
    }
    stopping = true;
    log.info({ signal: sig }, 'stopping');
    await cp.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

const program = new Command();
program
  .name('gantry')
  .description('GitOps deployment operator with its own Kubernetes-compatible control plane');
program.version(GANTRY_VERSION, '--version');

const collect = (v: string, acc: string[]) => [...acc, v];

for (const mode of ['server', 'up'] as const) {
  program
    .command(mode)
    .description(
      mode === 'server'
        ? 'run the control plane: API server, store, controllers, scheduler'
        : 'run everything on this machine (control plane; agent and sync join it as they land)',
    )
    .option('--data-dir <dir>', 'state directory (store, PKI, tokens, kubeconfig)', defaultDataDir())
    .option('--port <n>', 'API server port', port, 6443)
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--store <spec>', 'memory | sqlite:PATH (default sqlite in the data dir)')
    .option('--tls-san <host>', 'extra name or IP for the server certificate (repeatable)', collect, [])
    .action(async (flags: ServerFlags) => runServer(flags, mode));
}

program
  .command('version')
  .description('print the version')
  .action(() => {
    process.stdout.write(`gantry ${GANTRY_VERSION}\n`);
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`gantry: ${(e as Error)?.message ?? String(e)}\n`);
  process.exit(1);
});
