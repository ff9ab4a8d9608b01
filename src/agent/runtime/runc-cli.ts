// Thin wrapper over the runc command line with a dedicated `--root`, so Gantry's containers are
// kept apart from any other runc user on the node.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ExecResult } from '../types.js';

const EXEC_OUTPUT_LIMIT = 4 * 1024 * 1024;
/** How long exec output may still arrive after the process exited (a background child may hold the pipes). */
const EXEC_DRAIN_MS = 200;

export interface RuncResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RuncStateJson {
  readonly id: string;
  readonly pid: number;
  readonly status: 'creating' | 'created' | 'running' | 'paused' | 'stopped';
  readonly bundle: string;
  readonly created: string;
  readonly annotations?: Record<string, string>;
}

/** runc failed; `stderr` is its message. */
export class RuncError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly code: number,
    readonly stderr: string,
  ) {
    super(`runc ${args.join(' ')}: ${stderr.trim() || `exit code ${code}`}`);
    this.name = 'RuncError';
  }

  /** The container is unknown to runc (never created, or already deleted). */
  get notFound(): boolean {
    return /does not exist|not found/i.test(this.stderr);
  }

  /** The container exists but its process has gone. */
  get notRunning(): boolean {
    return /not running|stopped container|container not running/i.test(this.stderr);
  }
}

export class RuncCli {
  constructor(
    readonly runcPath: string,
    readonly root: string,
  ) {}

  /** Runs `runc --root ROOT ARGS…` to completion. */
  run(args: readonly string[]): Promise<RuncResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.runcPath, ['--root', this.root, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', (e) => reject(new Error(`run ${this.runcPath}`, { cause: e })));
      child.on('close', (code, signal) => {
        resolve({
          code: code ?? 128 + (signal === null ? 0 : 9),
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
        });
      });
    });
  }

  /** Like run, throwing a RuncError on a non-zero exit. */
  async check(args: readonly string[]): Promise<string> {
    const r = await this.run(args);
    if (r.code !== 0) {
      throw new RuncError(args, r.code, r.stderr);
    }
    return r.stdout;
  }

  /** `runc state ID`, undefined when runc does not know the container. */
  async state(id: string): Promise<RuncStateJson | undefined> {
    try {
      return JSON.parse(await this.check(['state', id])) as RuncStateJson;
    } catch (err) {
      if (err instanceof RuncError && err.notFound) {
        return undefined;
      }
      throw err;
    }
  }

  /** `runc list`: every container under this root. */
  async list(): Promise<RuncStateJson[]> {
    const out = (await this.check(['list', '--format', 'json'])).trim();
    return out === '' || out === 'null' ? [] : (JSON.parse(out) as RuncStateJson[]);
  }

  /**
   * `runc exec ID ARGS…` with combined stdout/stderr. On timeout the exec'd process (found through
   * --pid-file) is killed too: killing `runc exec` alone would leave it running in the container.
   */
  exec(id: string, args: readonly string[], timeoutMs: number, pidFile: string): Promise<ExecResult> {
    const child = spawn(this.runcPath, ['--root', this.root, 'exec', '--pid-file', pidFile, id, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    let size = 0;
    const collect = (b: Buffer): void => {
      if (size < EXEC_OUTPUT_LIMIT) {
        chunks.push(b.subarray(0, EXEC_OUTPUT_LIMIT - size));
      }
      size += b.length;
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
        if (!Number.isNaN(pid)) {
          process.kill(pid, 'SIGKILL');
        }
      } catch {
        // not started yet, or already gone
      }
      child.kill('SIGKILL');
    }, timeoutMs);
    return new Promise<ExecResult>((resolve, reject) => {
      let exitCode: number | undefined;
      const finish = (): void => {
        clearTimeout(timer);
        child.stdout.destroy();
        child.stderr.destroy();
        resolve({ exitCode: exitCode ?? 128, output: Buffer.concat(chunks).toString('utf8'), timedOut });
      };
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`exec in container ${id}`, { cause: err }));
      });
      child.on('exit', (code, signal) => {
        exitCode = code ?? 128 + (signal === 'SIGKILL' ? 9 : 15);
        const drain = setTimeout(finish, EXEC_DRAIN_MS);
        child.on('close', () => {
          clearTimeout(drain);
          finish();
        });
      });
    });
  }
}
