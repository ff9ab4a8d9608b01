import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  parseKubeconfig,
  readKubeconfig,
  renderKubeconfig,
  writeKubeconfig,
} from '../../../src/cluster/auth/kubeconfig.js';

const run = promisify(execFile);
const CA = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
const TOKEN = 'dG9rZW4tZm9yLXRlc3RzLW9ubHktMDEyMzQ1Njc4OQ';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gantry-kubeconfig-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeKubeconfig / readKubeconfig', () => {
  it('writes a kubeconfig kubectl understands, mode 0600, and reads it back', async () => {
    const path = join(dir, 'sub', 'kubeconfig');
    await writeKubeconfig(path, { server: 'https://127.0.0.1:6443', caPem: CA, token: TOKEN });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const doc = parse(await readFile(path, 'utf8'));
    expect(doc).toMatchObject({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'gantry',
      contexts: [{ name: 'gantry', context: { cluster: 'gantry', user: 'gantry-admin' } }],
      clusters: [{ name: 'gantry', cluster: { server: 'https://127.0.0.1:6443' } }],
      users: [{ name: 'gantry-admin', user: { token: TOKEN } }],
    });
    expect(Buffer.from(doc.clusters[0].cluster['certificate-authority-data'], 'base64').toString()).toBe(CA);
    expect(doc.clusters[0].cluster.extensions).toBeUndefined();
    expect(await readKubeconfig(path)).toEqual({
      server: 'https://127.0.0.1:6443',
      servers: ['https://127.0.0.1:6443'],
      caPem: CA,
      token: TOKEN,
    });
  });

  it('several servers: kubectl gets the first, Gantry the whole list; custom context name', async () => {
    const path = join(dir, 'kubeconfig');
    const servers = ['https://10.0.0.1:6443', 'https://10.0.0.2:6443', 'https://10.0.0.3:6443'];
    await writeKubeconfig(path, { server: servers, caPem: CA, token: TOKEN, contextName: 'prod' });
    const doc = parse(await readFile(path, 'utf8'));
    expect(doc['current-context']).toBe('prod');
    expect(doc.clusters[0].cluster.server).toBe(servers[0]);
    const creds = await readKubeconfig(path);
    expect(creds.server).toBe(servers[0]);
    expect(creds.servers).toEqual(servers);
  });

  it('overwrites an existing kubeconfig and tightens its mode', async () => {
    const path = join(dir, 'kubeconfig');
    await writeFile(path, 'old', { mode: 0o644 });
    await writeKubeconfig(path, { server: 'https://localhost:1', caPem: CA, token: TOKEN });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await readKubeconfig(path)).server).toBe('https://localhost:1');
  });

  it('rejects bad server URLs', () => {
    expect(() => renderKubeconfig({ server: [], caPem: CA, token: TOKEN })).toThrow(/at least one server/);
    expect(() => renderKubeconfig({ server: 'localhost:6443', caPem: CA, token: TOKEN })).toThrow(/http/);
    expect(() => renderKubeconfig({ server: 'not a url', caPem: CA, token: TOKEN })).toThrow(/not a URL/);
  });

  it('reads hand-written kubeconfigs: file references relative to the kubeconfig, single context', async () => {
    await writeFile(join(dir, 'ca.crt'), CA);
    await writeFile(join(dir, 'token'), `${TOKEN}\n`);
    const path = join(dir, 'config');
    await writeFile(
      path,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: c',
        '  cluster: { server: "https://gantry.example.com:6443", certificate-authority: ca.crt }',
        'users:',
        '- name: u',
        '  user: { tokenFile: ./token }',
        'contexts:',
        '- name: only',
        '  context: { cluster: c, user: u }',
      ].join('\n'),
    );
    expect(await readKubeconfig(path)).toEqual({
      server: 'https://gantry.example.com:6443',
      servers: ['https://gantry.example.com:6443'],
      caPem: CA,
      token: TOKEN,
    });
  });

  it('explains what is missing', async () => {
    expect(() => parseKubeconfig('kind: Config\ncontexts: []\n', 'k', '/')).toThrow(/no current-context/);
    expect(() =>
      parseKubeconfig('current-context: x\ncontexts: [{name: x, context: {cluster: nope}}]\n', 'k', '/'),
    ).toThrow(/no cluster named "nope"/);
    expect(() => parseKubeconfig(': : :\n  - [', 'k', '/')).toThrow(/not valid YAML/);
    await expect(readKubeconfig(join(dir, 'missing'))).rejects.toThrow(/read kubeconfig/);
    const insecure = parseKubeconfig(
      'current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\nclusters: [{name: c, cluster: {server: "http://127.0.0.1:8080", insecure-skip-tls-verify: true}}]\n',
      'k',
      '/',
    );
    expect(insecure).toEqual({
      server: 'http://127.0.0.1:8080',
      servers: ['http://127.0.0.1:8080'],
      insecureSkipTlsVerify: true,
    });
  });
});

async function hasKubectl(): Promise<boolean> {
  return run('kubectl', ['version', '--client', '-o', 'json']).then(
    () => true,
    () => false,
  );
}

describe('kubectl reads the kubeconfig', async () => {
  it.skipIf(!(await hasKubectl()))('kubectl config view shows our cluster, user and context', async () => {
    const path = join(dir, 'kubeconfig');
    const servers = ['https://127.0.0.1:6443', 'https://127.0.0.2:6443'];
    await writeKubeconfig(path, { server: servers, caPem: CA, token: TOKEN });
    const { stdout } = await run(
      'kubectl',
      ['--kubeconfig', path, 'config', 'view', '--raw', '--minify', '-o', 'json'],
      {
        env: { ...process.env, HOME: dir, KUBECONFIG: '' },
      },
    );
    const view = JSON.parse(stdout);
    expect(view['current-context']).toBe('gantry');
    expect(view.clusters[0].cluster.server).toBe(servers[0]);
    expect(Buffer.from(view.clusters[0].cluster['certificate-authority-data'], 'base64').toString()).toBe(CA);
    expect(view.users[0].user.token).toBe(TOKEN);
  });
});
