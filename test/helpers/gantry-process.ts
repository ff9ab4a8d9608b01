// Starts the built `gantry` CLI as a real child process in a temporary data dir, for tests that
// claim the real thing works (kubectl, crash recovery). Cleans up after itself.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HttpClient } from '../../src/client/http.js';
import { readKubeconfig } from '../../src/cluster/auth/index.js';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(REPO_ROOT, 'dist/src/cli/main.js');

export interface GantryProcess {
  readonly dataDir: string;
  readonly url: string;
  readonly kubeconfig: string;
  readonly child: ChildProcess;
  readonly client: HttpClient;
  readonly token: string;
  readonly caPem: string;
  output(): string;
  /** Stops the process (SIGTERM, then SIGKILL) and keeps the data dir. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Stops and removes the data dir. */
  dispose(): Promise<void>;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `gantry-${prefix}-`));
}

export async function startGantry(
  opts: { dataDir?: string; args?: string[]; command?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<GantryProcess> {
  const dataDir = opts.dataDir ?? tempDir('server');
  const child = spawn(
    process.execPath,
    [CLI, opts.command ?? 'server', '--data-dir', dataDir, '--port', '0', ...(opts.args ?? [])],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GANTRY_LOG_LEVEL: 'warn', ...opts.env } },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`gantry did not start within 30s:\n${out}`)), 30_000);
    const check = () => {
      const m = /API server at (\S+)/.exec(out);
      if (m && /kubeconfig: /.test(out)) {
        clearTimeout(timer);
        res(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`gantry exited with ${code} before starting:\n${out}`));
    });
  });
  const kubeconfig = join(dataDir, 'kubeconfig');
  const creds = await readKubeconfig(kubeconfig);
  const client = new HttpClient({ server: url, token: creds.token!, caPem: creds.caPem });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    client.close();
    if (exited) {
      return;
    }
    const done = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill(signal);
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await done;
    clearTimeout(t);
  };
  return {
    dataDir,
    url,
    kubeconfig,
    child,
    client,
    token: creds.token!,
    caPem: creds.caPem!,
    output: () => out,
    stop,
    async dispose() {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
