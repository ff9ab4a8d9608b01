// Runs the real `gantry server` (the built CLI) as a child process for a benchmark: waits for
// "API server at URL", reads the kubeconfig it wrote, and stops it (SIGTERM, then SIGKILL).
import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { readKubeconfig } from '../../src/cluster/auth/index.js';
import { shebangNodeFlags } from './entry-flags.js';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
export const CLI = join(REPO_ROOT, 'dist/src/cli/main.js');

export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  readonly token: string;
  readonly caPem: string;
  /** What the server printed so far (stdout + stderr). */
  output(): string;
  /** SIGTERM, SIGKILL after 10 s; resolves once the process has exited. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartServerOptions {
  readonly dataDir: string;
  /** Extra options for the server's node binary (e.g. --cpu-prof, which NODE_OPTIONS refuses). */
  readonly nodeArgs?: readonly string[];
  /** Extra `gantry server` flags (e.g. ['--store', 'etcd:http://…']). */
  readonly serverArgs?: readonly string[];
  readonly startTimeoutMs?: number;
}

export async function startServer(opts: StartServerOptions): Promise<ServerProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...shebangNodeFlags(CLI), // what the `gantry` command runs node with
      ...(opts.nodeArgs ?? []),
      CLI,
      'server',
      '--data-dir',
      opts.dataDir,
      '--port',
      '0',
      ...(opts.serverArgs ?? []),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GANTRY_LOG_LEVEL: 'warn' },
    },
  );
  let out = '';
  const collect = (d: Buffer) => {
    out += d.toString();
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  let exited = child.exitCode !== null;
  const exit = new Promise<void>((r) =>
    child.once('exit', () => {
      exited = true;
      r();
    }),
  );
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(t);
    }
  };
  try {
    const url = await new Promise<string>((res, rej) => {
      const timer = setTimeout(
        () =>
          rej(new Error(`gantry server did not start within ${opts.startTimeoutMs ?? 30_000} ms:\n${out}`)),
        opts.startTimeoutMs ?? 30_000,
      );
      const check = () => {
        const m = /API server at (\S+)/.exec(out);
        if (m && /kubeconfig: /.test(out)) {
          clearTimeout(timer);
          res(m[1]!);
        }
      };
      child.stdout!.on('data', check);
      void exit.then(() => {
        clearTimeout(timer);
        rej(new Error(`gantry server exited with ${child.exitCode} before starting:\n${out}`));
      });
    });
    const creds = await readKubeconfig(join(opts.dataDir, 'kubeconfig'));
    if (!creds.token || !creds.caPem) {
      throw new Error('the kubeconfig gantry wrote has no token or CA');
    }
    return { url, pid: child.pid!, token: creds.token, caPem: creds.caPem, output: () => out, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
