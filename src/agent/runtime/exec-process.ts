// A streaming `runc exec` for `kubectl exec`: stdout/stderr arrive as the process writes them and
// stdin goes through. Without a tty, runc runs in the foreground and hands the process our pipes.
// With a tty, gantry-exec-tty (exec-tty.c) runs `runc exec -d --tty --console-socket`, receives
// the pseudo-terminal and relays it, with resize lines on its fd 3.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

export interface ExecStreamOptions {
  readonly tty: boolean;
  /** Whether the caller sends input; without it the process reads /dev/null. */
  readonly stdin: boolean;
  /** The terminal size the process starts with (tty only), so it never sees a 0×0 terminal. */
  readonly size?: { readonly width: number; readonly height: number };
}

export interface ExecExit {
  readonly exitCode: number;
  /** Set when the command never ran (runc refused it); the message says why. */
  readonly error?: string;
}

export interface ExecProcess {
  readonly stdin: Writable | null;
  readonly stdout: Readable;
  /** null with a tty: the terminal merges stderr into stdout. */
  readonly stderr: Readable | null;
  /** Sets the terminal size (tty only; ignored otherwise). */
  resize(width: number, height: number): void;
  /** Ends the session: kills the exec'd process in the container and runc / the helper. */
  kill(): void;
  /** Resolves once the command ended and its output was read to the end. */
  readonly exited: Promise<ExecExit>;
}

export interface ExecProcessSpec extends ExecStreamOptions {
  readonly runcPath: string;
  readonly runcRoot: string;
  readonly id: string;
  readonly args: readonly string[];
  /** Where runc writes the exec'd process's pid (in the container's bundle); removed at the end. */
  readonly pidFile: string;
  /** The compiled exec-tty.c (dist/gantry-exec-tty). */
  readonly ttyHelperPath: string;
  /**
   * The container's OCI `process` (config.json): with a tty the exec runs from a process.json made
   * of it (`runc exec -p`), which is how runc takes an initial console size.
   */
  readonly processTemplate?: Record<string, unknown>;
}

/** The OCI process for a tty exec: the container's, with our args, a terminal, its size and TERM. */
export function ttyProcessSpec(
  template: Record<string, unknown>,
  args: readonly string[],
  size: ExecStreamOptions['size'],
): Record<string, unknown> {
  const env = (Array.isArray(template.env) ? (template.env as unknown[]) : []).filter(
    (e): e is string => typeof e === 'string' && !e.startsWith('TERM='),
  );
  return {
    ...template,
    args: [...args],
    terminal: true,
    env: [...env, 'TERM=xterm'],
    ...(size ? { consoleSize: { width: size.width, height: size.height } } : {}),
  };
}

function killPidFile(pidFile: string): void {
  try {
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
    if (pid > 1) {
      process.kill(pid, 'SIGKILL');
    }
  } catch {
    // not started yet, or gone already
  }
}

function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) {
    return code;
  }
  return 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGINT' ? 2 : 15);
}

function collectText(stream: Readable, limit = 64 * 1024): () => string {
  const chunks: Buffer[] = [];
  let size = 0;
  stream.on('data', (b: Buffer) => {
    if (size < limit) {
      chunks.push(b);
      size += b.length;
    }
  });
  return () => Buffer.concat(chunks).toString('utf8').trim();
}

/** Waits for exit and for the output pipes to close ('close'), whichever order they come in. */
function closed(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
}

export function startExecProcess(spec: ExecProcessSpec): ExecProcess {
  const processFile = `${spec.pidFile}.process.json`;
  const cleanup = () => {
    for (const f of [spec.pidFile, processFile]) {
      try {
        unlinkSync(f);
      } catch {
        // never written
      }
    }
  };
  if (!spec.tty) {
    const child = spawn(
      spec.runcPath,
      ['--root', spec.runcRoot, 'exec', '--pid-file', spec.pidFile, spec.id, ...spec.args],
      { stdio: [spec.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] },
    );
    const exited = closed(child).then(
      ({ code, signal }) => {
        cleanup();
        return { exitCode: exitCodeOf(code, signal) };
      },
      (e: Error) => {
        cleanup();
        return { exitCode: 126, error: `exec in container ${spec.id}: ${e.message}` };
      },
    );
    child.stdin?.on('error', () => {});
    return {
      stdin: child.stdin,
      stdout: child.stdout!,
      stderr: child.stderr!,
      resize: () => {},
      kill: () => {
        killPidFile(spec.pidFile);
        child.kill('SIGKILL');
      },
      exited,
    };
  }
  // short, in /tmp: a unix socket path is limited to 107 bytes, bundle paths can be longer
  const socketPath = join(tmpdir(), `gantry-tty-${randomBytes(8).toString('hex')}.sock`);
  const runcArgs = [
    spec.runcPath,
    '--root',
    spec.runcRoot,
    'exec',
    '-d',
    '--console-socket',
    socketPath,
    '--pid-file',
    spec.pidFile,
  ];
  if (spec.processTemplate) {
    writeFileSync(processFile, JSON.stringify(ttyProcessSpec(spec.processTemplate, spec.args, spec.size)));
    runcArgs.push('--process', processFile, spec.id);
  } else {
    runcArgs.push('--tty', '--env', 'TERM=xterm', spec.id, ...spec.args);
  }
  const child = spawn(spec.ttyHelperPath, [socketPath, spec.pidFile, ...runcArgs], {
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
  });
  const control = child.stdio[3] as import('node:net').Socket;
  control.on('error', () => {});
  if (spec.size) {
    // also on the helper's terminal at once (the size is in process.json too, when there is one)
    control.write(`${spec.size.width} ${spec.size.height}\n`);
  }
  child.stdin?.on('error', () => {});
  let started = false;
  control.on('data', (b: Buffer) => {
    if (b.toString('latin1').includes('started')) {
      started = true;
    }
  });
  const errText = collectText(child.stderr!);
  const exited = closed(child).then(
    ({ code, signal }) => {
      cleanup();
      if (!started) {
        return { exitCode: 126, error: errText() || `runc exec failed (helper exit ${code ?? signal})` };
      }
      return { exitCode: exitCodeOf(code, signal) };
    },
    (e: Error) => {
      cleanup();
      return { exitCode: 126, error: `exec in container ${spec.id}: ${e.message}` };
    },
  );
  return {
    stdin: child.stdin,
    stdout: child.stdout!,
    stderr: null,
    resize: (w, h) => {
      if (w > 0 && h > 0 && !control.destroyed) {
        control.write(`${w} ${h}\n`);
      }
    },
    kill: () => {
      killPidFile(spec.pidFile);
      control.destroy();
      child.kill('SIGKILL');
    },
    exited,
  };
}
