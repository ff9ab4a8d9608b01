// What every `gantry app` command works with: the client, where to print, a clock; reading an
// Application by name; finding the kubeconfig and building the HTTP client from it.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { KObject } from '../api/types.js';
import { HttpClient } from '../client/http.js';
import type { Client } from '../client/types.js';
import { readKubeconfig } from '../cluster/auth/index.js';
import { readApplication } from '../sync/app-actions.js';
import type { Output } from './output.js';

export interface AppCliContext {
  readonly client: Client;
  readonly out: Output;
  readonly err: Output;
  readonly now?: () => Date;
  /** How often `sync --watch` and `wait` re-read the Application (default 500 ms). */
  readonly pollMs?: number;
  /** Live views restore the cursor on Ctrl-C (the CLI sets it; tests do not). */
  readonly handleSignals?: boolean;
  /** Repository cache for `app diff` (default `~/.gantry/cache`). */
  readonly cacheDir?: string;
}

/** The context's clock. */
export const nowOf = (ctx: AppCliContext): Date => (ctx.now ? ctx.now() : new Date());

/** The Application, or an error users understand when it does not exist. */
export function getApp(ctx: AppCliContext, name: string): Promise<KObject> {
  return readApplication(ctx.client, name);
}

/** List items may come without apiVersion/kind; put them back for -o json|yaml. */
export function withKind(app: KObject): KObject {
  return { ...app, apiVersion: app.apiVersion || 'argoproj.io/v1alpha1', kind: app.kind || 'Application' };
}

/** The error and its causes on one line. */
export function describeError(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let i = 0; cur !== undefined && cur !== null && i < 5; i++) {
    const msg = cur instanceof Error ? cur.message : String(cur);
    if (!parts.some((p) => p.includes(msg))) {
      parts.push(msg);
    }
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return parts.join(': ');
}

/** `--kubeconfig`, else `$KUBECONFIG` (its first entry), else `$GANTRY_DATA_DIR|~/.gantry` + `/kubeconfig`. */
export function defaultKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.KUBECONFIG?.split(':').find((p) => p !== '');
  return fromEnv ?? join(env.GANTRY_DATA_DIR ?? join(homedir(), '.gantry'), 'kubeconfig');
}

/** The `--kubeconfig` option of every command that talks to the cluster (`.option(...KUBECONFIG_OPTION)`). */
export const KUBECONFIG_OPTION = [
  '--kubeconfig <path>',
  'kubeconfig to use (default $KUBECONFIG or ~/.gantry/kubeconfig)',
] as const;

/** A client for the cluster a kubeconfig names. */
export async function clientFromKubeconfig(path: string): Promise<HttpClient> {
  const kc = await readKubeconfig(path);
  if (!kc.token) {
    throw new Error(`${path}: the current user has no token`);
  }
  return new HttpClient({ server: kc.servers, token: kc.token, caPem: kc.caPem, userAgent: 'gantry-cli' });
}

/** Where the real process prints: stdout (with its TTY-ness and width) and stderr. */
export function stdio(): { out: Output; err: Output } {
  const stdout = process.stdout;
  return {
    out: {
      write: (s) => void stdout.write(s),
      isTTY: stdout.isTTY === true,
      get columns() {
        return stdout.columns;
      },
    },
    err: { write: (s) => void process.stderr.write(s) },
  };
}

/**
 * Runs a command's action with a client for the cluster its `--kubeconfig` (or the default)
 * names: sets the exit code `fn` returns, prints `errorLine(e)` and exits 1 on an error
 * (a kubeconfig that cannot be read included), and closes the client in any case.
 */
export async function runWithKubeClient(
  cmd: Command,
  errorLine: (e: unknown) => string,
  fn: (client: HttpClient, io: { out: Output; err: Output }) => Promise<number>,
): Promise<void> {
  const o = cmd.optsWithGlobals() as { kubeconfig?: string };
  const io = stdio();
  let client: HttpClient | undefined;
  try {
    client = await clientFromKubeconfig(o.kubeconfig ?? defaultKubeconfigPath());
    process.exitCode = await fn(client, io);
  } catch (e) {
    io.err.write(errorLine(e));
    process.exitCode = 1;
  } finally {
    client?.close();
  }
}
