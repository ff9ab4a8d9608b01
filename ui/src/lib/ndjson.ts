// Newline-delimited JSON as the Kubernetes watch API streams it: a splitter that turns arbitrary
// text chunks into whole lines, and the parser of one watch line. Pure.

/** Collects text chunks and hands back the complete lines; keeps a partial last line for later. */
export class LineSplitter {
  private rest = '';

  /** The complete, non-blank lines that `chunk` finishes (without their line ends). */
  push(chunk: string): string[] {
    const text = this.rest + chunk;
    const parts = text.split('\n');
    this.rest = parts.pop() ?? '';
    return parts.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l)).filter((l) => l.trim() !== '');
  }

  /** The last line when the stream ended without a line end. */
  flush(): string[] {
    const last = this.rest.trim();
    this.rest = '';
    return last === '' ? [] : [last];
  }
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
const TYPES: readonly string[] = ['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR'];

export interface WatchEvent<T> {
  readonly type: WatchEventType;
  readonly object: T;
}

/** One watch line `{"type":…,"object":{…}}`; throws an Error naming what is wrong. */
export function parseWatchLine<T>(line: string): WatchEvent<T> {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    throw new Error(`watch line is not JSON: ${line.slice(0, 80)}`, { cause: e });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new Error('watch line: expected an object');
  }
  const o = v as { type?: unknown; object?: unknown };
  if (typeof o.type !== 'string' || !TYPES.includes(o.type)) {
    throw new Error(`watch line: type: unknown event type ${JSON.stringify(o.type)}`);
  }
  if (typeof o.object !== 'object' || o.object === null) {
    throw new Error('watch line: object: missing');
  }
  return { type: o.type as WatchEventType, object: o.object as T };
}
