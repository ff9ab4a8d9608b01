// The live view in a real terminal: the built CLI runs under `script` (a pseudo-terminal), so its
// stdout is a TTY; Ctrl-C typed into the terminal must give the cursor back and exit 130.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../src/client/resources.js';
import { type ControlPlane, startControlPlane } from '../../src/cluster/control-plane.js';
import { CLI } from '../helpers/gantry-process.js';

const ESC = String.fromCharCode(27);
let dir = '';
let cp: ControlPlane;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gantry-cli-tty-'));
  // no controllers: the Rollout never becomes Healthy, so the view runs until interrupted
  cp = await startControlPlane({ dataDir: join(dir, 'cp'), port: 0, store: 'memory', controllers: false });
  await cp.client.create(R.rollouts, {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'c', image: 'web:v1' }] },
      },
      strategy: { canary: { steps: [{ setWeight: 50 }] } },
    },
  });
});

afterAll(async () => {
  await cp?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('gantry rollout get --watch in a terminal', () => {
  it('hides the cursor while drawing and restores it on Ctrl-C (exit 130)', async () => {
    const cmd = `'${process.execPath}' '${CLI}' rollout get web --watch`;
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], {
      env: { ...process.env, KUBECONFIG: cp.kubeconfigPath, HOME: dir, TERM: 'xterm' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const end = Date.now() + 30_000;
      while (!out.includes('Rollout default/web') && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(out).toContain(`${ESC}[?25l`);
      expect(out).toMatch(/Strategy Canary {2}step 0\/1 setWeight 50/);
      child.stdin.write('\x03'); // Ctrl-C, through the terminal's line discipline
      expect(await exited).toBe(130);
      expect(out.trimEnd().endsWith(`${ESC}[?25h`)).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
