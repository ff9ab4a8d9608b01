// Reads a CRI-format container log back as plain lines: --tail (found by reading backwards, so a
// large log is not read whole), --since-time, --timestamps, --limit-bytes and --follow (stream new
// lines until the container has exited and the file has no more to give, or the caller aborts).
import { type FSWatcher, watch } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import type { LogReadOptions } from '../types.js';
import { CriLineAssembler, parseCriRecord, renderLine } from './cri-log.js';

const CHUNK = 64 * 1024;
const FOLLOW_POLL_MS = 250;

/** Byte offset where the last `n` lines (F records closing them) of the file begin. */
export async function tailOffset(fh: FileHandle, size: number, n: number): Promise<number> {
  if (n <= 0) {
    return size;
  }
  for (let chunk = CHUNK; ; chunk *= 2) {
    const start = Math.max(0, size - chunk);
    const buf = Buffer.alloc(size - start);
    await fh.read(buf, 0, buf.length, start);
    let full = 0;
    let end = buf.lastIndexOf(0x0a);
    while (end >= 0) {
      const prev = end === 0 ? -1 : buf.lastIndexOf(0x0a, end - 1);
      if (prev < 0 && start > 0) {
        break; // this line may begin before the chunk: read more
      }
      const record = parseCriRecord(buf.toString('utf8', prev + 1, end));
      if (record !== undefined && !record.partial) {
        full++;
        if (full > n) {
          return start + end + 1;
        }
      }
      end = prev;
    }
    if (start === 0) {
      return 0;
    }
  }
}

class Output {
  private written = 0;
  done = false;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly limitBytes: number | undefined,
    private readonly signal: AbortSignal,
  ) {}

  async write(text: string): Promise<void> {
    if (this.done) {
      return;
    }
    let chunk = text;
    if (this.limitBytes !== undefined) {
      const room = this.limitBytes - this.written;
      const buf = Buffer.from(text);
      if (buf.length >= room) {
        chunk = buf.subarray(0, Math.max(0, room)).toString('utf8');
        this.done = true;
      }
      this.written += Math.min(buf.length, room);
    }
    if (chunk.length > 0 && !this.out.write(chunk)) {
      await waitFor((wake) => {
        this.out.once('drain', wake);
        this.out.once('close', wake);
        return () => {
          this.out.removeListener('drain', wake);
          this.out.removeListener('close', wake);
        };
      }, this.signal);
    }
  }
}

/** Resolves when `subscribe`'s wake is called or the signal aborts; unsubscribes either way. */
function waitFor(
  subscribe: (wake: () => void) => () => void,
  signal: AbortSignal,
  timeoutMs?: number,
): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      unsubscribe();
      signal.removeEventListener('abort', finish);
      if (timer !== undefined) {
        clearTimeout(timer);
      }
      resolve();
    };
    const unsubscribe = subscribe(finish);
    signal.addEventListener('abort', finish, { once: true });
    if (timeoutMs !== undefined) {
      timer = setTimeout(finish, timeoutMs);
    }
  });
}

/**
 * Writes the lines of a CRI log to `out`. `finished` says whether the container has exited (its
 * output complete); following stops once it has and the file has nothing more.
 */
export async function readCriLog(
  path: string,
  opts: LogReadOptions,
  out: NodeJS.WritableStream,
  signal: AbortSignal,
  finished: () => Promise<boolean>,
): Promise<void> {
  const fh = await open(path, 'r');
  let watcher: FSWatcher | undefined;
  const changed = new Set<() => void>();
  try {
    const output = new Output(out, opts.limitBytes, signal);
    const assembler = new CriLineAssembler();
    const since = opts.sinceTime?.getTime();
    let offset =
      opts.tailLines === undefined ? 0 : await tailOffset(fh, (await fh.stat()).size, opts.tailLines);
    let rest = '';
    const buf = Buffer.alloc(CHUNK);
    // Reads and writes out everything available from offset.
    const drain = async (): Promise<void> => {
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
        if (bytesRead === 0 || signal.aborted || output.done) {
          return;
        }
        offset += bytesRead;
        const text = rest + buf.toString('utf8', 0, bytesRead);
        const lines = text.split('\n');
        rest = lines.pop() ?? '';
        for (const raw of lines) {
          const record = parseCriRecord(raw);
          const line = record === undefined ? undefined : assembler.push(record);
          if (line !== undefined && (since === undefined || line.time.getTime() >= since)) {
            await output.write(renderLine(line, opts.timestamps));
            if (output.done) {
              return;
            }
          }
        }
      }
    };
    await drain();
    if (!opts.follow) {
      return;
    }
    watcher = watch(path, () => {
      for (const wake of changed) {
        wake();
      }
    });
    watcher.on('error', () => {
      // the poll below keeps following
    });
    while (!signal.aborted && !output.done) {
      if (await finished()) {
        await drain(); // the shim flushes the log before it records the exit
        return;
      }
      await waitFor(
        (wake) => {
          changed.add(wake);
          return () => changed.delete(wake);
        },
        signal,
        FOLLOW_POLL_MS,
      );
      await drain();
    }
  } finally {
    watcher?.close();
    await fh.close();
  }
}
