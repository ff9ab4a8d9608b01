// ContainerRuntime over real runc. Each container gets a bundle directory `<root>/<id>/` holding
// config.json, meta.json (what the runtime needs back after an agent restart), runc.log (runc's
// own errors), shim.pid and, once it stopped, exit.json. A detached gantry-shim runs `runc run`
// in the foreground, writes the CRI log and records the exit status, so containers and their exit
// codes outlive the agent; a new RuncRuntime on the same root adopts them through list().
import { spawn } from 'node:child_process';
import { existsSync, type FSWatcher, readFileSync, watch } from 'node:fs';
import { mkdir, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type {
  ContainerRuntime,
  ContainerSpec,
  ContainerState,
  ExecResult,
  LogReadOptions,
} from '../types.js';
import { detectCgroupVersion, memoryCgroupDir, podCgroupParent, removeCgroup } from './cgroups.js';
import { type ExecProcess, type ExecStreamOptions, startExecProcess } from './exec-process.js';
import { parseExitRecord, runcStartError, stoppedState } from './exit-status.js';
import { readCriLog } from './log-reader.js';
import { buildOciSpec, type CgroupVersion, containerCgroupPath } from './oci-spec.js';
import { isAlive, readRuncStateFile } from './process-state.js';
import { RuncCli, RuncError, type RuncStateJson } from './runc-cli.js';

export interface RuncRuntimeOptions {
  /** `<data-dir>/containers`: one bundle directory per container. */
  readonly root: string;
  readonly runcPath?: string;
  readonly shimPath?: string;
  /** The interactive-exec helper (exec-tty.c); default `gantry-exec-tty` beside the shim. */
  readonly execTtyHelperPath?: string;
  /** runc's state directory (`runc --root`). */
  readonly runcRoot?: string;
  readonly logger?: Logger;
  /** How long run() waits for the container to be running. */
  readonly startTimeoutMs?: number;
}

/** What the runtime needs back about a container after an agent restart. */
interface BundleMeta {
  readonly podUid: string;
  readonly containerName: string;
  readonly attempt: number;
  readonly logPath: string;
  readonly cgroupParent: string;
}

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** `dist/gantry-shim` of the package this file belongs to (source or built tree). */
export function defaultShimPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) {
    dir = dirname(dir);
  }
  return join(dir, 'dist', 'gantry-shim');
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class RuncRuntime implements ContainerRuntime {
  readonly root: string;
  readonly runcRoot: string;
  readonly cgroupVersion: CgroupVersion;
  private readonly runc: RuncCli;
  private readonly shimPath: string;
  private readonly execTtyHelperPath: string;
  private readonly log: Logger | undefined;
  private readonly startTimeoutMs: number;

  constructor(opts: RuncRuntimeOptions) {
    this.root = resolve(opts.root);
    this.runcRoot = opts.runcRoot ?? '/run/gantry-runc';
    this.runc = new RuncCli(opts.runcPath ?? 'runc', this.runcRoot);
    this.shimPath = opts.shimPath ?? defaultShimPath();
    this.execTtyHelperPath = opts.execTtyHelperPath ?? join(dirname(this.shimPath), 'gantry-exec-tty');
    this.log = opts.logger?.child({ component: 'runtime' });
    this.startTimeoutMs = opts.startTimeoutMs ?? 30_000;
    this.cgroupVersion = detectCgroupVersion();
  }

  private bundle(id: string): string {
    if (!ID_PATTERN.test(id)) {
      throw new Error(`invalid container id ${JSON.stringify(id)}`);
    }
    return join(this.root, id);
  }

  async run(spec: ContainerSpec): Promise<ContainerState> {
    const dir = this.bundle(spec.id);
    if (existsSync(join(dir, 'config.json'))) {
      throw new Error(`container ${spec.id} already exists; remove it first`);
    }
    const cgroupParent = spec.cgroupParent || podCgroupParent(spec.podUid);
    const oci = buildOciSpec({ ...spec, cgroupParent }, this.cgroupVersion);
    const meta: BundleMeta = {
      podUid: spec.podUid,
      containerName: spec.containerName,
      attempt: spec.attempt,
      logPath: resolve(spec.logPath),
      cgroupParent,
    };
    await mkdir(dir, { recursive: true });
    await mkdir(dirname(meta.logPath), { recursive: true });
    await writeFile(join(dir, 'config.json'), JSON.stringify(oci, null, 2));
    await writeFile(join(dir, 'meta.json'), JSON.stringify(meta));
    const cgroup = containerCgroupPath(cgroupParent, spec.id);
    const exitPath = join(dir, 'exit.json');
    const oomWatch =
      this.cgroupVersion === 1
        ? `v1:${memoryCgroupDir(cgroup, 1)}`
        : `v2:${memoryCgroupDir(cgroupParent, 2)}`;
    const args = [this.runc.runcPath, this.runcRoot, dir, spec.id, meta.logPath, exitPath, oomWatch];
    const shim = spawn(this.shimPath, args, { detached: true, stdio: 'ignore' });
    let shimExit: number | null | undefined;
    let spawnError: Error | undefined;
    shim.on('error', (err) => {
      spawnError = err;
    });
    shim.on('exit', (code) => {
      shimExit = code;
    });
    shim.unref();
    if (shim.pid !== undefined) {
      await writeFile(join(dir, 'shim.pid'), String(shim.pid));
    }
    this.log?.debug({ id: spec.id, shimPid: shim.pid }, 'container starting');

    // Running once runc's state exists and its exec fifo is gone (the process was released), or
    // stopped once the shim wrote the exit file; poll both cheaply (no runc process per check).
    const started = Date.now();
    const stateDir = join(this.runcRoot, spec.id);
    for (let delay = 1; ; delay = Math.min(delay * 2, Date.now() - started < 1000 ? 5 : 50)) {
      const exited = existsSync(exitPath)
        ? await this.exitedState(spec.id, { ...spec.annotations })
        : undefined;
      if (exited !== undefined) {
        return exited;
      }
      const running = readRuncStateFile(stateDir);
      if (running !== undefined && !existsSync(join(stateDir, 'exec.fifo')) && running.alive) {
        return {
          id: spec.id,
          status: 'running',
          pid: running.pid,
          startedAt: running.startedAt,
          annotations: spec.annotations,
        };
      }
      if (spawnError !== undefined) {
        throw new Error(`start container ${spec.id}: spawn ${this.shimPath}`, { cause: spawnError });
      }
      if (shimExit !== undefined && !existsSync(exitPath)) {
        throw new Error(
          `start container ${spec.id}: shim exited with code ${shimExit} without an exit status`,
        );
      }
      if (Date.now() - started > this.startTimeoutMs) {
        await this.runc.run(['delete', '--force', spec.id]);
        throw new Error(`start container ${spec.id}: not running after ${this.startTimeoutMs} ms`);
      }
      await sleep(delay);
    }
  }

  private async readMeta(
    id: string,
  ): Promise<{ meta: BundleMeta; annotations: Record<string, string> } | undefined> {
    const dir = this.bundle(id);
    try {
      const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as {
        annotations?: Record<string, string>;
      };
      const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as BundleMeta;
      return { meta, annotations: config.annotations ?? {} };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        return undefined;
      }
      throw new Error(`read bundle of container ${id}`, { cause: err });
    }
  }

  /** The stopped state from the exit file, undefined while there is none. */
  private async exitedState(
    id: string,
    annotations: Record<string, string>,
  ): Promise<ContainerState | undefined> {
    const dir = this.bundle(id);
    let text: string;
    try {
      text = await readFile(join(dir, 'exit.json'), 'utf8');
    } catch {
      return undefined;
    }
    const exit = parseExitRecord(text);
    if (exit === undefined) {
      return { id, status: 'unknown', reason: 'Unknown', message: 'unreadable exit file', annotations };
    }
    const runcLog = await readFile(join(dir, 'runc.log'), 'utf8').catch(() => '');
    return stoppedState(id, exit, runcStartError(runcLog), annotations);
  }

  private shimPid(id: string): number | undefined {
    try {
      const pid = Number.parseInt(readFileSync(join(this.bundle(id), 'shim.pid'), 'utf8'), 10);
      return Number.isNaN(pid) ? undefined : pid;
    } catch {
      return undefined;
    }
  }

  private async combine(
    id: string,
    annotations: Record<string, string>,
    runcState: RuncStateJson | undefined,
  ): Promise<ContainerState> {
    const exited = await this.exitedState(id, annotations);
    if (exited !== undefined) {
      return exited;
    }
    if (runcState !== undefined && runcState.status !== 'stopped') {
      const status =
        runcState.status === 'created' || runcState.status === 'creating' ? 'created' : 'running';
      return { id, status, pid: runcState.pid, startedAt: new Date(runcState.created), annotations };
    }
    // Starting, or between runc's exit and the shim's exit file: wait while the shim lives.
    for (let i = 0; i < 100 && isAlive(this.shimPid(id), id); i++) {
      await sleep(20);
      const later = await this.exitedState(id, annotations);
      if (later !== undefined) {
        return later;
      }
      const stateDir = join(this.runcRoot, id);
      const runc = readRuncStateFile(stateDir);
      if (runc?.alive) {
        const status = existsSync(join(stateDir, 'exec.fifo')) ? 'created' : 'running';
        return { id, status, pid: runc.pid, startedAt: runc.startedAt, annotations };
      }
    }
    return (
      (await this.exitedState(id, annotations)) ?? {
        id,
        status: 'unknown',
        reason: 'Unknown',
        message: 'the container shim is gone and left no exit status',
        annotations,
      }
    );
  }

  async state(id: string): Promise<ContainerState | undefined> {
    const found = await this.readMeta(id);
    if (found === undefined) {
      return undefined;
    }
    const exited = await this.exitedState(id, found.annotations);
    return exited ?? (await this.combine(id, found.annotations, await this.runc.state(id)));
  }

  async list(): Promise<ContainerState[]> {
    let ids: string[];
    try {
      ids = (await readdir(this.root, { withFileTypes: true }))
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        return [];
      }
      throw err;
    }
    const runcStates = new Map((await this.runc.list()).map((s) => [s.id, s]));
    const states: ContainerState[] = [];
    for (const id of ids.filter((i) => ID_PATTERN.test(i)).sort()) {
      const found = await this.readMeta(id);
      if (found !== undefined) {
        states.push(await this.combine(id, found.annotations, runcStates.get(id)));
      }
    }
    return states;
  }

  async kill(id: string, signal: 'SIGTERM' | 'SIGKILL' | 'SIGINT'): Promise<void> {
    this.bundle(id);
    try {
      await this.runc.check(['kill', id, signal]);
    } catch (err) {
      if (err instanceof RuncError && (err.notFound || err.notRunning)) {
        return; // already stopped
      }
      throw new Error(`kill container ${id} with ${signal}`, { cause: err });
    }
  }

  async remove(id: string): Promise<void> {
    const dir = this.bundle(id);
    const found = await this.readMeta(id).catch(() => undefined);
    const r = await this.runc.run(['delete', '--force', id]);
    if (r.code !== 0 && !/does not exist|not found/i.test(r.stderr)) {
      throw new Error(`remove container ${id}: ${r.stderr.trim()}`);
    }
    const shimPid = this.shimPid(id);
    for (let i = 0; i < 250 && isAlive(shimPid, id); i++) {
      await sleep(20);
    }
    if (shimPid !== undefined && isAlive(shimPid, id)) {
      process.kill(shimPid, 'SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
    this.log?.debug({ id }, 'container removed');
    if (found === undefined) {
      return;
    }
    const parent = found.meta.cgroupParent;
    const siblings = await this.findBundles((meta) => meta.cgroupParent === parent);
    if (siblings.length === 0) {
      await removeCgroup(parent).catch((err: unknown) => {
        this.log?.warn({ err, cgroup: parent }, 'could not remove the pod cgroup');
      });
    }
  }

  /** Checks that the container runs; the --pid-file path for one exec in it (in its bundle). */
  private async execPidFile(id: string): Promise<string> {
    const dir = this.bundle(id);
    const current = await this.state(id);
    if (current === undefined) {
      throw new Error(`exec in container ${id}: no such container`);
    }
    if (current.status !== 'running') {
      throw new Error(`exec in container ${id}: container is ${current.status}`);
    }
    return join(dir, `exec-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.pid`);
  }

  async exec(id: string, args: readonly string[], timeoutMs: number): Promise<ExecResult> {
    const pidFile = await this.execPidFile(id);
    try {
      return await this.runc.exec(id, args, timeoutMs, pidFile);
    } finally {
      await unlink(pidFile).catch(() => undefined);
    }
  }

  /** Streaming exec (`kubectl exec`, with stdin and a tty): see exec-process.ts. */
  async execStream(id: string, args: readonly string[], opts: ExecStreamOptions): Promise<ExecProcess> {
    const pidFile = await this.execPidFile(id);
    let processTemplate: Record<string, unknown> | undefined;
    if (opts.tty) {
      const config = JSON.parse(await readFile(join(this.bundle(id), 'config.json'), 'utf8')) as {
        process?: unknown;
      };
      if (config.process && typeof config.process === 'object') {
        processTemplate = config.process as Record<string, unknown>;
      }
    }
    return startExecProcess({
      ...opts,
      ...(processTemplate ? { processTemplate } : {}),
      runcPath: this.runc.runcPath,
      runcRoot: this.runcRoot,
      id,
      args,
      pidFile,
      ttyHelperPath: this.execTtyHelperPath,
    });
  }

  async waitExit(id: string, signal?: AbortSignal): Promise<ContainerState> {
    const dir = this.bundle(id);
    const found = await this.readMeta(id);
    if (found === undefined) {
      throw new Error(`wait for container ${id}: no such container`);
    }
    let wake: (() => void) | undefined;
    let watcher: FSWatcher | undefined;
    try {
      watcher = watch(dir, () => wake?.());
      watcher.on('error', () => undefined);
    } catch {
      // the poll below still notices
    }
    try {
      for (;;) {
        signal?.throwIfAborted();
        const exited = await this.exitedState(id, found.annotations);
        if (exited !== undefined) {
          return exited;
        }
        if (!existsSync(dir)) {
          return { id, status: 'unknown', reason: 'Removed', annotations: found.annotations };
        }
        if (!isAlive(this.shimPid(id), id)) {
          const now = await this.state(id);
          if (now !== undefined && (now.status === 'stopped' || now.status === 'unknown')) {
            return now;
          }
        }
        await new Promise<void>((done) => {
          const timer = setTimeout(finish, 1000);
          function finish(): void {
            clearTimeout(timer);
            signal?.removeEventListener('abort', finish);
            wake = undefined;
            done();
          }
          wake = finish;
          signal?.addEventListener('abort', finish, { once: true });
        });
      }
    } finally {
      watcher?.close();
    }
  }

  /** Ids of the bundles whose meta matches. */
  private async findBundles(match: (meta: BundleMeta) => boolean): Promise<string[]> {
    const entries = await readdir(this.root).catch(() => [] as string[]);
    const ids: string[] = [];
    for (const id of entries.filter((e) => ID_PATTERN.test(e))) {
      const found = await this.readMeta(id).catch(() => undefined);
      if (found !== undefined && match(found.meta)) {
        ids.push(id);
      }
    }
    return ids;
  }

  async readLog(
    logPath: string,
    opts: LogReadOptions,
    out: NodeJS.WritableStream,
    signal: AbortSignal,
  ): Promise<void> {
    const target = resolve(logPath);
    const id = opts.follow ? (await this.findBundles((meta) => meta.logPath === target))[0] : undefined;
    const finished = async (): Promise<boolean> => {
      if (id === undefined) {
        return true;
      }
      const dir = join(this.root, id);
      return !existsSync(dir) || existsSync(join(dir, 'exit.json')) || !isAlive(this.shimPid(id), id);
    };
    await readCriLog(logPath, opts, out, signal, finished);
  }
}
