// Runs the `ip` and `nft` commands without a shell, optionally feeding a batch script on stdin.
import { execFile } from 'node:child_process';

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`${command} ${args.join(' ')} failed (exit ${exitCode}): ${stderr.trim()}`);
    this.name = 'CommandError';
  }
}

export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `file args…`, writing `input` to its stdin when given; rejects with CommandError on a non-zero exit. */
export function runCommand(
  file: string,
  args: readonly string[],
  input?: string,
  timeoutMs = 30_000,
): Promise<CommandOutput> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          const code = typeof err.code === 'number' ? err.code : null;
          reject(new CommandError(file, args, code, stderr || err.message));
          return;
        }
        resolve({ stdout, stderr });
      },
    );
    // A child that dies before reading all of stdin raises EPIPE here; the exit status reports the failure.
    child.stdin?.on('error', () => {});
    child.stdin?.end(input ?? '');
  });
}
