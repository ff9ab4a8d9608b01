// Shell completion: the script `gantry completion bash` prints, run in a real bash with
// COMP_WORDS/COMP_CWORD set as bash sets them on TAB, calling the built CLI (`gantry __complete`)
// against a real control plane holding two Applications and a Rollout.
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeWords, fishScript, type NameSource } from '../../src/cli/completion.js';
import { R } from '../../src/client/resources.js';
import { type ControlPlane, startControlPlane } from '../../src/cluster/control-plane.js';
import { CLI } from '../helpers/gantry-process.js';

const run = promisify(execFile);
let dir = '';
let bin = '';
let script = '';
let cp: ControlPlane;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gantry-cli-completion-'));
  bin = join(dir, 'bin');
  await run('mkdir', ['-p', bin]);
  // `gantry` on the PATH, as an installed CLI would be
  await writeFile(join(bin, 'gantry'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  await chmod(join(bin, 'gantry'), 0o755);
  cp = await startControlPlane({ dataDir: join(dir, 'cp'), port: 0, store: 'memory', controllers: false });
  await cp.client.create(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gantry' } });
  for (const name of ['web-staging', 'web-production']) {
    await cp.client.create(R.applications, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name, namespace: 'gantry' },
      spec: {
        source: { repoURL: 'https://example.com/r.git', path: name },
        destination: { server: 'https://kubernetes.default.svc', namespace: 'default' },
      },
    });
  }
  await cp.client.create(R.rollouts, {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'shop', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'shop' } },
      template: {
        metadata: { labels: { app: 'shop' } },
        spec: { containers: [{ name: 'c', image: 'shop:v1' }] },
      },
      strategy: { canary: {} },
    },
  });
  script = join(dir, 'gantry.bash');
  const r = await run(process.execPath, [CLI, 'completion', 'bash'], { env: { ...process.env, HOME: dir } });
  await writeFile(script, r.stdout);
}, 60_000);

afterAll(async () => {
  await cp?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** COMPREPLY after TAB at the end of `line` (a trailing space starts a new, empty word). */
async function tab(line: string, kubeconfig = cp.kubeconfigPath): Promise<string[]> {
  const words = line.split(' ');
  const quoted = words.map((w) => `'${w}'`).join(' ');
  const program = [
    `source '${script}'`,
    `COMP_WORDS=(${quoted})`,
    `COMP_CWORD=${words.length - 1}`,
    `COMP_LINE='${line}'`,
    `COMP_POINT=${line.length}`,
    '_gantry',
    `printf '%s\\n' "\${COMPREPLY[@]}"`,
  ].join('\n');
  const r = await run('bash', ['--noprofile', '--norc', '-c', program], {
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, KUBECONFIG: kubeconfig, HOME: dir },
    timeout: 30_000,
  });
  return r.stdout.split('\n').filter((l) => l !== '');
}

describe('gantry completion bash', () => {
  it('completes commands and subcommands from the command tree', async () => {
    expect(await tab('gantry ap')).toEqual(['app']);
    expect(await tab('gantry app sy')).toEqual(['sync']);
    expect(await tab('gantry ro')).toEqual(['rollback', 'rollout']);
    expect(await tab('gantry rollout pro')).toEqual(['promote']);
  });

  it('completes flags, including the parent command’s', async () => {
    expect(await tab('gantry app sync --w')).toEqual(['--watch']);
    expect(await tab('gantry app get --')).toEqual(
      expect.arrayContaining(['--output', '--refresh', '--hard-refresh', '--kubeconfig', '--help']),
    );
  });

  it('completes names from the cluster: Applications, Rollouts, resource types and objects', async () => {
    expect(await tab('gantry app sync ')).toEqual(['web-production', 'web-staging']);
    expect(await tab('gantry app get web-s')).toEqual(['web-staging']);
    expect(await tab('gantry app sync --prune ')).toEqual(['web-production', 'web-staging']);
    expect(await tab('gantry rollout get ')).toEqual(['shop']);
    expect(await tab('gantry get dep')).toEqual(['deploy', 'deployments']);
    expect(await tab('gantry get applications -n gantry web-p')).toEqual(['web-production']);
    expect(await tab('gantry get pods -o ')).toEqual(['json', 'name', 'wide', 'yaml']);
    expect(await tab('gantry completion ')).toEqual(['bash', 'fish', 'zsh']);
  });

  it('offers nothing (and no error) when no cluster is reachable', async () => {
    expect(await tab('gantry app sync ', join(dir, 'no-such-kubeconfig'))).toEqual([]);
    expect(await tab('gantry app sy', join(dir, 'no-such-kubeconfig'))).toEqual(['sync']);
  });
});

describe('completion core', () => {
  const program = new Command('gantry');
  const app = program.command('app').option('--kubeconfig <path>');
  app.command('get <name>').option('-o, --output <format>');
  program.command('get <resource...>').option('-n, --namespace <ns>').option('-o, --output <format>');
  const asked: unknown[] = [];
  const names: NameSource = async (kind, ctx) => {
    asked.push([kind, ctx]);
    return kind === 'namespace' ? ['default', 'shop'] : ['a1', 'b2'];
  };

  it('walks words past options and their values, and passes -n and --kubeconfig on', async () => {
    expect(await completeWords(program, ['app', '--kubeconfig', 'k', 'get', ''], names)).toEqual([
      'a1',
      'b2',
    ]);
    expect(asked.pop()).toEqual(['app', { kubeconfig: 'k' }]);
    expect(await completeWords(program, ['get', '-n', ''], names)).toEqual(['default', 'shop']);
    expect(await completeWords(program, ['get', '--namespace=shop', 'pods', 'b'], names)).toEqual(['b2']);
    expect(asked.pop()).toEqual(['object', { namespace: 'shop', type: 'pods' }]);
  });

  it('writes a fish script with the subcommands and the dynamic part', () => {
    const fish = fishScript(program);
    expect(fish).toContain("complete -c gantry -n '__fish_use_subcommand' -a app");
    expect(fish).toContain('gantry __complete (commandline -opc)[2..-1] (commandline -ct)');
  });
});
