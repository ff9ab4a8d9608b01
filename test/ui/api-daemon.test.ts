// `gantry server` as a real process serves the dashboard: it prints the tokened dashboard URL, /ui
// redirects, /ui/api answers over HTTPS with the admin token (and 401 without), and the build
// folder is found from the module's own location (dist/ui of the repository).
import https from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultUiDir } from '../../src/ui/static.js';
import { type GantryProcess, REPO_ROOT, startGantry } from '../helpers/gantry-process.js';

let g: GantryProcess;

function get(
  path: string,
  token?: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const u = new URL(g.url);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: u.hostname,
        port: u.port,
        path,
        ca: g.caPem,
        headers: token ? { Authorization: `Bearer ${token}` } : {},
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  g = await startGantry();
});
afterAll(async () => {
  await g?.dispose();
});

describe('gantry server serves the dashboard', () => {
  it('prints the dashboard URL with the admin token in the fragment, after the kubeconfig lines', async () => {
    // startGantry returns once the server answers; the rest of the banner may still be on its way
    await expect.poll(() => g.output(), { timeout: 10_000 }).toContain('\ndashboard: ');
    const lines = g.output().split('\n');
    const kube = lines.findIndex((l) => l.startsWith('  export KUBECONFIG='));
    expect(lines[kube + 1]).toBe(`dashboard: ${g.url}/ui/#token=${g.token}`);
  });

  it('redirects /ui and answers /ui/api with the token only', async () => {
    const r = await get('/ui');
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe('/ui/');
    expect((await get('/ui/api/applications/none/tree')).status).toBe(401);
    const missing = await get('/ui/api/applications/none/tree', g.token);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ kind: 'Status', code: 404, reason: 'NotFound' });
    // index.html when the UI is built, else the hint how to build it
    const index = await get('/ui/');
    expect([200, 503]).toContain(index.status);
    if (index.status === 503) {
      expect(index.body).toMatch(/dashboard not built: run npm run build:ui/);
    }
  });

  it('finds dist/ui from the module location, in src/ and in dist/src/', () => {
    expect(defaultUiDir(join(REPO_ROOT, 'src', 'ui'))).toBe(join(REPO_ROOT, 'dist', 'ui'));
    expect(defaultUiDir(join(REPO_ROOT, 'dist', 'src', 'ui'))).toBe(join(REPO_ROOT, 'dist', 'ui'));
    expect(defaultUiDir()).toBe(join(REPO_ROOT, 'dist', 'ui'));
  });
});
