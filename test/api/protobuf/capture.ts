// Manual fixture capture, not part of the test suite: records the protobuf request bodies stock
// kubectl sends for `kubectl create …` into testdata/<name>.bin, and what the same command prints
// with `--dry-run=client -o json` into testdata/<name>.json.
//
// kubectl talks plain HTTP to a small recording proxy, which forwards every request to a real
// gantry server (built dist/, started in a temporary data dir) over HTTPS. It uses node built-ins
// only, so it runs compiled from anywhere; run it from the repo root:
//   npx tsc -p tsconfig.json && npx tsc --outDir /tmp/gantry-capture --module nodenext \
//     --target es2022 --skipLibCheck --types node test/api/protobuf/capture.ts && \
//   node /tmp/gantry-capture/capture.js
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const TESTDATA = resolve('test/api/protobuf/testdata');
const CLI = resolve('dist/src/cli/main.js');

const COMMANDS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['namespace', ['create', 'namespace', 'ns1']],
  ['configmap', ['create', 'configmap', 'cm1', '--from-literal=a=b', '--from-literal=c=d']],
  ['secret', ['create', 'secret', 'generic', 's1', '--from-literal=k=v']],
  ['deployment', ['create', 'deployment', 'd1', '--image=nginx:1.27', '--replicas=3', '--port=8080']],
  ['service-nodeport', ['create', 'service', 'nodeport', 's2', '--tcp=80:8080', '--node-port=30080']],
  ['job', ['create', 'job', 'j1', '--image=busybox', '--', 'echo', 'hi']],
  ['service-clusterip', ['create', 'service', 'clusterip', 's3', '--tcp=80:80']],
  ['serviceaccount', ['create', 'serviceaccount', 'sa1']],
  [
    'secret-docker',
    ['create', 'secret', 'docker-registry', 'reg1', '--docker-username=u', '--docker-password=p'],
  ],
  ['configmap-empty-value', ['create', 'configmap', 'cm2', '--from-literal=x=', '--append-hash']],
  ['configmap-binary', ['create', 'configmap', 'cm3', '--from-file=bin={home}/blob', '--from-literal=t=x']],
  ['secret-binary', ['create', 'secret', 'generic', 's5', '--from-file=bin={home}/blob', '--type=Opaque']],
  ['deployment-zero', ['create', 'deployment', 'd2', '--image=a:1', '--image=b:2', '--replicas=0']],
  ['service-externalname', ['create', 'service', 'externalname', 's4', '--external-name=example.com']],
  ['service-loadbalancer', ['create', 'service', 'loadbalancer', 's6', '--tcp=443:https']],
  ['quota', ['create', 'quota', 'q1', '--hard=cpu=1,memory=1Gi,pods=2', '--scopes=BestEffort']],
  ['pod-run', ['run', 'p1', '--image=nginx', '--port=80', '--env=A=B', '--labels=app=x']],
];

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((res, rej) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => res(Buffer.concat(chunks)));
    req.on('error', rej);
  });
}

interface Server {
  readonly url: string;
  readonly token: string;
  readonly child: ChildProcess;
}

async function startServer(dataDir: string): Promise<Server> {
  const child = spawn(
    process.execPath,
    [CLI, 'server', '--data-dir', dataDir, '--port', '0', '--store', 'memory'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((res, rej) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /API server at (\S+)/.exec(out);
      if (m && out.includes('kubeconfig:')) {
        res(m[1]!);
      }
    });
    child.once('exit', (code) => rej(new Error(`gantry exited with ${code}: ${out}`)));
  });
  const kubeconfig = readFileSync(join(dataDir, 'kubeconfig'), 'utf8');
  const token = /^\s*token:\s*"?([^"\s]+)"?\s*$/m.exec(kubeconfig)?.[1];
  if (!token) {
    throw new Error('no token in the kubeconfig');
  }
  return { url, token, child };
}

async function main(): Promise<void> {
  mkdirSync(TESTDATA, { recursive: true });
  const home = mkdtempSync(join(tmpdir(), 'gantry-capture-'));
  const gantry = await startServer(join(home, 'data'));
  const upstream = new URL(gantry.url);
  const seen: { contentType: string; body: Buffer }[] = [];
  const proxy = createServer((req, res) => {
    void readAll(req).then((body) => {
      const contentType = String(req.headers['content-type'] ?? '');
      if (body.length > 0) {
        seen.push({ contentType, body });
      }
      const headers = { ...req.headers, host: upstream.host, authorization: `Bearer ${gantry.token}` };
      const out = httpsRequest(
        {
          hostname: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers,
          rejectUnauthorized: false,
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      out.on('error', (e) => {
        res.writeHead(502);
        res.end(String(e));
      });
      out.end(body);
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  const port = (proxy.address() as AddressInfo).port;
  const flags = ['--server', `http://127.0.0.1:${port}`, '--token', 'capture', '-n', 'default'];
  const env = { ...process.env, KUBECONFIG: join(home, 'none'), HOME: home };
  // Bytes that are not UTF-8, so kubectl puts them in binaryData / data as they are.
  writeFileSync(join(home, 'blob'), Buffer.from([0, 1, 2, 0xfe, 0xff, 0x80, 10]));
  try {
    for (const [name, template] of COMMANDS) {
      const args = template.map((a) => a.replace('{home}', home));
      seen.length = 0;
      const created = await kubectl([...flags, ...args], env);
      process.stdout.write(`${name}: ${created.trim()}\n`);
      const pb = seen.find((s) => s.contentType.startsWith('application/vnd.kubernetes.protobuf'));
      if (pb) {
        writeFileSync(join(TESTDATA, `${name}.bin`), pb.body);
        process.stdout.write(`${name}: ${pb.body.length} protobuf bytes\n`);
      } else {
        process.stdout.write(`${name}: no protobuf body (${seen.map((s) => s.contentType).join(', ')})\n`);
      }
      const json = await kubectl([...flags, ...args.slice(0, 2), ...dryRunArgs(args)], env);
      writeFileSync(join(TESTDATA, `${name}.json`), json);
    }
  } finally {
    proxy.close();
    gantry.child.kill('SIGTERM');
    await new Promise((r) => gantry.child.once('exit', r));
    rmSync(home, { recursive: true, force: true });
  }
}

/** Runs kubectl without blocking the event loop (the proxy lives in this process); stdout or the error. */
function kubectl(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((res) => {
    execFile('kubectl', args, { env, timeout: 60_000 }, (err, stdout, stderr) => {
      res(err ? `kubectl failed: ${stderr || String(err)}` : stdout);
    });
  });
}

/** The same command with `--dry-run=client -o json` placed before any `--` separator. */
function dryRunArgs(args: readonly string[]): string[] {
  const rest = args.slice(2);
  const sep = rest.indexOf('--');
  const extra = ['--dry-run=client', '-o', 'json'];
  return sep < 0 ? [...rest, ...extra] : [...rest.slice(0, sep), ...extra, ...rest.slice(sep)];
}

await main();
