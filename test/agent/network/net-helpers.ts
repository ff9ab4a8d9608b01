// Helpers for the network tests: whether the kernel can be used, processes inside a netns, and
// small TCP/HTTP clients with timeouts.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';

/** Root with `ip` and `nft` available: the real-kernel tests run only then. */
export const canUseKernel =
  process.getuid?.() === 0 &&
  existsSync('/usr/sbin/ip') &&
  existsSync('/usr/sbin/nft') &&
  existsSync('/bin/busybox');

export function nsExec(ns: string, args: readonly string[], timeoutMs = 5000): string {
  return execFileSync('ip', ['netns', 'exec', ns, ...args], { encoding: 'utf8', timeout: timeoutMs });
}

/** Starts a long-running process inside a netns; kill it with stopProcess. */
export function nsSpawn(ns: string, args: readonly string[]): ChildProcess {
  const child = spawn('ip', ['netns', 'exec', ns, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.resume();
  return child;
}

export async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

/**
 * A TCP server inside a netns (Node) that greets each connection with `name\n` and answers each
 * chunk it receives with `name:<chunk>`; closes when the client does.
 */
export function nsGreeter(ns: string, name: string, port: number): ChildProcess {
  const code = `require('net').createServer((s) => { s.on('error', () => {}); s.write(${JSON.stringify(name)} + '\\n'); s.on('data', (d) => s.write(${JSON.stringify(name)} + ':' + d)); s.on('end', () => s.end()); }).listen(${port});`;
  return nsSpawn(ns, [process.execPath, '-e', code]);
}

export function httpGet(url: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** An open TCP connection that reads the peer's output line by line. */
export class LineClient {
  private buffer = '';
  private waiters: ((line: string) => void)[] = [];
  private constructor(private readonly sock: ReturnType<typeof connect>) {
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.drain();
    });
  }

  static open(host: string, port: number, timeoutMs = 3000): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const sock = connect({ host, port });
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error(`connect ${host}:${port} timed out`));
      }, timeoutMs);
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.removeAllListeners('error');
        sock.on('error', () => {});
        resolve(new LineClient(sock));
      });
      sock.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  readLine(timeoutMs = 3000): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('read timed out')), timeoutMs);
      this.waiters.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
      this.drain();
    });
  }

  send(text: string): void {
    this.sock.write(text);
  }

  close(): void {
    this.sock.destroy();
  }

  private drain(): void {
    for (;;) {
      const nl = this.buffer.indexOf('\n');
      if (nl < 0 || this.waiters.length === 0) {
        return;
      }
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      this.waiters.shift()?.(line);
    }
  }
}

/** Connects, reads the greeting (the backend's name) and closes. */
export async function whoAnswers(host: string, port: number): Promise<string> {
  const c = await LineClient.open(host, port);
  try {
    return await c.readLine();
  } finally {
    c.close();
  }
}

export async function waitFor<T>(fn: () => Promise<T>, timeoutMs = 5000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) {
        throw err;
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}

export function run(cmd: string, args: readonly string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8' });
}
