// RuncRuntime against real runc: bundles, the shim, CRI logs, exec, kill, errors, adoption.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cgroupExists, podCgroupParent, removePodCgroup } from '../../../src/agent/runtime/cgroups.js';
import { buildOciSpec } from '../../../src/agent/runtime/oci-spec.js';
import { RuncRuntime } from '../../../src/agent/runtime/runc-runtime.js';
import type { ContainerSpec, LogReadOptions } from '../../../src/agent/types.js';
import { buildShim, createNetns, deleteNetns, makeBusyboxRootfs } from './rootfs.js';

const tag = randomBytes(3).toString('hex');
const podUid = `rt${tag}`;
let tmp: string;
let rootfs: string;
let shimPath: string;
let runcRoot: string;
let netns: { name: string; path: string };
let runtime: RuncRuntime;

function newRuntime(): RuncRuntime {
  return new RuncRuntime({ root: join(tmp, 'containers'), shimPath, runcRoot });
}

function spec(name: string, args: string[], extra: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    id: `${podUid}-${name}-0`,
    podUid,
    containerName: name,
    attempt: 0,
    rootfs,
    readOnlyRootfs: true,
    args,
    env: ['PATH=/bin', 'HOME=/root'],
    cwd: '/',
    uid: 0,
    gid: 0,
    hostname: 'testpod',
    netnsPath: netns.path,
    mounts: [],
    resources: {},
    privileged: false,
    cgroupParent: podCgroupParent(podUid),
    logPath: join(tmp, 'logs', `${name}.log`),
    annotations: { 'io.kubernetes.container.name': name },
    ...extra,
  };
}

async function readLogText(
  rt: RuncRuntime,
  path: string,
  opts: Partial<LogReadOptions> = {},
  signal = new AbortController().signal,
): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (b: Buffer) => chunks.push(b));
  await rt.readLog(path, { follow: false, timestamps: false, ...opts }, out, signal);
  return Buffer.concat(chunks).toString('utf8');
}

async function waitForLog(path: string, text: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (existsSync(path) && readFileSync(path, 'utf8').includes(text)) {
      return;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${text} never appeared in ${path}`);
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'gantry-runtime-'));
  rootfs = makeBusyboxRootfs(tmp);
  shimPath = buildShim(tmp);
  runcRoot = `/run/gantry-test-runc-${tag}`;
  netns = createNetns();
  runtime = newRuntime();
});

afterAll(async () => {
  try {
    for (const c of await runtime.list()) {
      await runtime.remove(c.id);
    }
    const left = execFileSync('runc', ['--root', runcRoot, 'list', '-q'], { encoding: 'utf8' }).trim();
    expect(left).toBe('');
    expect(await cgroupExists(podCgroupParent(podUid))).toBe(false);
  } finally {
    await removePodCgroup(podUid).catch(() => undefined);
    deleteNetns(netns.name);
    rmSync(runcRoot, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  }
});

describe('RuncRuntime', () => {
  it('runs a command to completion and logs its output in CRI format', async () => {
    const s = spec('echo', ['echo', 'hello']);
    const started = await runtime.run(s);
    expect(['running', 'stopped']).toContain(started.status);
    const done = await runtime.waitExit(s.id);
    expect(done).toMatchObject({ status: 'stopped', exitCode: 0, reason: 'Completed' });
    expect(done.finishedAt?.getTime()).toBeGreaterThanOrEqual(done.startedAt?.getTime() ?? Number.NaN);
    expect(readFileSync(s.logPath, 'utf8')).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z stdout F hello\n$/,
    );
    expect(await readLogText(runtime, s.logPath)).toBe('hello\n');
    await runtime.remove(s.id);
    expect(existsSync(join(tmp, 'containers', s.id))).toBe(false);
    expect(existsSync(s.logPath)).toBe(true);
    expect(await runtime.state(s.id)).toBeUndefined();
  });

  it('runs a long-lived container, execs in it, times exec out and kills it', async () => {
    const hostnameFile = join(tmp, 'hostname');
    writeFileSync(hostnameFile, 'from-a-bind-mount\n');
    const s = spec('sleeper', ['sleep', '100'], {
      mounts: [{ destination: '/etc/hostname', source: hostnameFile, type: 'bind', options: ['ro'] }],
    });
    const started = await runtime.run(s);
    expect(started.status).toBe('running');
    expect(started.pid).toBeGreaterThan(0);
    const now = await runtime.state(s.id);
    expect(now).toMatchObject({ status: 'running', pid: started.pid, annotations: s.annotations });

    expect(await runtime.exec(s.id, ['cat', '/etc/hostname'], 5000)).toEqual({
      exitCode: 0,
      output: 'from-a-bind-mount\n',
      timedOut: false,
    });
    expect((await runtime.exec(s.id, ['hostname'], 5000)).output).toBe('testpod\n');
    const failing = await runtime.exec(s.id, ['sh', '-c', 'echo out; echo err >&2; exit 7'], 5000);
    expect(failing).toMatchObject({ exitCode: 7, timedOut: false });
    expect(failing.output).toContain('out\n');
    expect(failing.output).toContain('err\n');

    const t0 = Date.now();
    // A background child keeps runc's output pipes open, so runc exec waits for it (as docker exec
    // does): the timeout still ends the exec, with the output so far.
    const held = await runtime.exec(s.id, ['sh', '-c', 'sleep 60 & echo bg'], 500);
    expect(held).toMatchObject({ output: 'bg\n', timedOut: true });
    expect(Date.now() - t0).toBeLessThan(3000);
    const slow = await runtime.exec(s.id, ['sleep', '30'], 300);
    expect(slow.timedOut).toBe(true);
    expect(Date.now() - t0).toBeLessThan(5000);
    const ps = await runtime.exec(s.id, ['ps'], 5000);
    expect(ps.output).not.toContain('sleep 30');

    await runtime.kill(s.id, 'SIGKILL');
    const done = await runtime.waitExit(s.id);
    expect(done).toMatchObject({ status: 'stopped', exitCode: 137, reason: 'Error' });
    await runtime.kill(s.id, 'SIGKILL'); // already stopped: no error
    await expect(runtime.exec(s.id, ['true'], 1000)).rejects.toThrow(/stopped/);
    await runtime.remove(s.id);
  });

  it('stops on SIGTERM with the exit code of the trap', async () => {
    const s = spec('term', ['sh', '-c', 'trap "exit 143" TERM; echo ready; while true; do sleep 0.05; done']);
    expect((await runtime.run(s)).status).toBe('running');
    await waitForLog(s.logPath, 'ready');
    await runtime.kill(s.id, 'SIGTERM');
    expect(await runtime.waitExit(s.id)).toMatchObject({ status: 'stopped', exitCode: 143, reason: 'Error' });
    await runtime.remove(s.id);
  });

  it('reports a command that does not exist as a start error with runc message', async () => {
    const s = spec('nocmd', ['/bin/does-not-exist']);
    const state = await runtime.run(s);
    expect(state).toMatchObject({ status: 'stopped', exitCode: 128, reason: 'StartError' });
    expect(state.message).toMatch(/does-not-exist.*no such file or directory|executable file not found/);
    expect(await runtime.state(s.id)).toMatchObject({ status: 'stopped', reason: 'StartError' });
    await runtime.remove(s.id);
  });

  it('reports an impossible memory limit as a start error', async () => {
    const s = spec('tinymem', ['echo', 'hi'], { resources: { memoryLimitBytes: 1 } });
    const state = await runtime.run(s);
    expect(state).toMatchObject({ status: 'stopped', reason: 'StartError', exitCode: 128 });
    expect(state.message).toMatch(/memory|OOM/i);
    await runtime.remove(s.id);
  });

  it('reports a container killed for exceeding its memory limit as OOMKilled', async () => {
    const s = spec('oom', ['sh', '-c', 'x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo survived'], {
      resources: { memoryLimitBytes: 16 * 1024 * 1024 },
    });
    await runtime.run(s);
    expect(await runtime.waitExit(s.id)).toMatchObject({
      status: 'stopped',
      exitCode: 137,
      reason: 'OOMKilled',
    });
    await runtime.remove(s.id);
  });

  it('lets two containers of a pod talk over 127.0.0.1', async () => {
    const server = spec('server', ['nc', '-l', '-p', '8080']);
    const client = spec('client', [
      'sh',
      '-c',
      'for i in $(seq 100); do echo ping | nc 127.0.0.1 8080 && exit 0; sleep 0.05; done; exit 1',
    ]);
    await runtime.run(server);
    await runtime.run(client);
    expect(await runtime.waitExit(client.id)).toMatchObject({ exitCode: 0 });
    expect(await runtime.waitExit(server.id)).toMatchObject({ exitCode: 0 });
    expect(await readLogText(runtime, server.logPath)).toBe('ping\n');
    await runtime.remove(client.id);
    await runtime.remove(server.id);
  });

  it('reads logs with tail, timestamps, since, limit and long lines', async () => {
    const s = spec('logs', [
      'sh',
      '-c',
      // The two streams are separate pipes: their order in the log is only as good as the time between writes.
      'echo oops >&2; sleep 0.2; for i in 1 2 3 4 5; do echo line$i; done; head -c 40000 /dev/zero | tr "\\0" x; echo',
    ]);
    await runtime.run(s);
    await runtime.waitExit(s.id);
    const all = await readLogText(runtime, s.logPath);
    expect(all.split('\n').slice(0, 6)).toEqual(['oops', 'line1', 'line2', 'line3', 'line4', 'line5']);
    expect(all.split('\n')[6]).toBe('x'.repeat(40000));
    expect(readFileSync(s.logPath, 'utf8')).toMatch(/ stderr F oops\n/);
    expect(readFileSync(s.logPath, 'utf8')).toMatch(/ stdout P x{16384}\n/);
    expect(await readLogText(runtime, s.logPath, { tailLines: 2 })).toBe(`line5\n${'x'.repeat(40000)}\n`);
    expect(await readLogText(runtime, s.logPath, { tailLines: 0 })).toBe('');
    expect(await readLogText(runtime, s.logPath, { limitBytes: 8 })).toBe('oops\nlin');
    const stamped = (await readLogText(runtime, s.logPath, { timestamps: true, tailLines: 3 })).split('\n');
    expect(stamped[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z line4$/);
    expect(await readLogText(runtime, s.logPath, { sinceTime: new Date(Date.now() + 60_000) })).toBe('');
    expect(
      await readLogText(runtime, s.logPath, { sinceTime: new Date(Date.now() - 60_000), tailLines: 1 }),
    ).toBe(`${'x'.repeat(40000)}\n`);
    await runtime.remove(s.id);
  });

  it('follows a log until the container exits, or until aborted', async () => {
    const s = spec('follow', ['sh', '-c', 'echo a; sleep 0.5; echo b']);
    await runtime.run(s);
    const t0 = Date.now();
    expect(await readLogText(runtime, s.logPath, { follow: true })).toBe('a\nb\n');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    await runtime.remove(s.id);

    const long = spec('follow-abort', ['sh', '-c', 'echo start; sleep 100']);
    await runtime.run(long);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 400);
    expect(await readLogText(runtime, long.logPath, { follow: true }, ac.signal)).toBe('start\n');
    await runtime.remove(long.id);
  });

  it('lets a new runtime instance adopt running containers and read recorded exit codes', async () => {
    const running = spec('adopt', ['sleep', '100']);
    const exited = spec('exit3', ['sh', '-c', 'exit 3']);
    const r1 = await runtime.run(running);
    await runtime.run(exited);
    await runtime.waitExit(exited.id);

    const restarted = newRuntime(); // an agent restart: nothing in memory
    const listed = await restarted.list();
    expect(listed.find((c) => c.id === running.id)).toMatchObject({
      status: 'running',
      pid: r1.pid,
      annotations: running.annotations,
    });
    expect(listed.find((c) => c.id === exited.id)).toMatchObject({
      status: 'stopped',
      exitCode: 3,
      reason: 'Error',
    });
    expect(await restarted.state(exited.id)).toMatchObject({ exitCode: 3 });
    const wait = restarted.waitExit(running.id);
    await restarted.kill(running.id, 'SIGKILL');
    expect(await wait).toMatchObject({ status: 'stopped', exitCode: 137 });
    await restarted.remove(running.id);
    await restarted.remove(exited.id);
    expect(await cgroupExists(podCgroupParent(podUid))).toBe(false);
  });

  it('starts a container about as fast as a bare runc run -d', async () => {
    const rounds = Number(process.env.GANTRY_RUNTIME_BENCH_ROUNDS ?? 5);
    const ours: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const s = spec(`bench${i}`, ['sleep', '100']);
      let t0 = performance.now();
      expect((await runtime.run(s)).status).toBe('running');
      ours.push(performance.now() - t0);
      await runtime.remove(s.id);

      const id = `${podUid}-bare${i}`;
      const bundle = join(tmp, 'bare', id);
      mkdirSync(bundle, { recursive: true });
      writeFileSync(
        join(bundle, 'config.json'),
        JSON.stringify(buildOciSpec({ ...s, id }, runtime.cgroupVersion)),
      );
      t0 = performance.now();
      await new Promise<void>((resolve, reject) => {
        const p = spawn('runc', ['--root', runcRoot, 'run', '-d', '--bundle', bundle, id], {
          stdio: 'ignore',
        });
        p.on('error', reject);
        p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`runc run -d exited ${code}`))));
      });
      bare.push(performance.now() - t0);
      execFileSync('runc', ['--root', runcRoot, 'delete', '--force', id]);
    }
    const median = (xs: number[]): number =>
      [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
    console.log(
      `run() until running: median ${median(ours).toFixed(1)} ms; bare runc run -d: median ${median(bare).toFixed(1)} ms; ` +
        `ratio ${(median(ours) / median(bare)).toFixed(2)} (${rounds} rounds each)`,
    );
    await removePodCgroup(podUid); // the bare containers shared the pod cgroup; the runtime did not see them go
    expect(median(ours)).toBeLessThan(median(bare) * 3 + 200);
  });
});
