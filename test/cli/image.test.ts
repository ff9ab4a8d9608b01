// `gantry image import DIR` through the real CLI: an OCI layout built by the project's own
// image builder lands in the agent's image store; a directory that is not a layout is refused.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildHttpdImage, LocalImageStore } from '../../src/agent/images/index.js';
import { CLI } from '../helpers/gantry-process.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'gantry-image-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('gantry image import', () => {
  it('loads an OCI image layout into the agent image store', async () => {
    const built = await buildHttpdImage(join(dir, 'layout'), 'gantry.local/test/web:1', '<h1>hi</h1>\n');
    const { stdout } = await run(process.execPath, [
      CLI,
      'image',
      'import',
      built.dir,
      '--data-dir',
      join(dir, 'agent'),
    ]);
    expect(stdout).toMatch(/^imported gantry\.local\/test\/web:1 \(sha256:[0-9a-f]{64}\)$/m);
    const images = await new LocalImageStore({ root: join(dir, 'agent', 'images') }).list();
    expect(images.map((i) => i.ref)).toContain('gantry.local/test/web:1');
  });

  it('refuses a directory that is not a layout, with the reason', async () => {
    const err = await run(process.execPath, [
      CLI,
      'image',
      'import',
      join(dir, 'nope'),
      '--data-dir',
      join(dir, 'agent'),
    ]).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(1);
    expect((err as { stderr: string }).stderr).toMatch(/is not an OCI image layout/);
  });
});
