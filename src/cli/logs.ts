// `gantry logs POD [-c CONTAINER] [-f] [--tail N] [--previous]`: the API server's pod log
// endpoint (`/api/v1/namespaces/{ns}/pods/{name}/log`), printed as it comes. Thin, like kubectl logs.
import { StringDecoder } from 'node:string_decoder';
import type { KObject } from '../api/types.js';
import type { WatchHandle } from '../client/types.js';
import { kubectlErrorLine, type Output } from './output.js';

export interface LogSource {
  getRaw(path: string, accept?: string): Promise<Buffer>;
  getStream(path: string, onData: (chunk: Buffer) => void, accept?: string): Promise<WatchHandle>;
}

export interface LogsContext {
  readonly client: LogSource;
  readonly out: Output;
  readonly err: Output;
}

export interface LogsFlags {
  readonly namespace?: string;
  readonly container?: string;
  readonly follow?: boolean;
  readonly tail?: string;
  readonly previous?: boolean;
  readonly timestamps?: boolean;
  /** Stop following after this (tests; the CLI follows until Ctrl-C or the pod's end). */
  readonly signal?: AbortSignal;
}

function fail(ctx: LogsContext, e: unknown): number {
  ctx.err.write(kubectlErrorLine(e));
  return 1;
}

/** Prints (or follows) one container's log; 1 on error. */
export async function podLogs(ctx: LogsContext, target: string, flags: LogsFlags = {}): Promise<number> {
  const name = target.startsWith('pod/')
    ? target.slice(4)
    : target.startsWith('pods/')
      ? target.slice(5)
      : target;
  if (name === '' || name.includes('/')) {
    ctx.err.write(`error: "${target}": give a pod name (or pod/NAME)\n`);
    return 1;
  }
  if (flags.tail !== undefined && !/^-?\d+$/.test(flags.tail)) {
    ctx.err.write(`error: --tail "${flags.tail}": an integer is needed (-1 for all lines)\n`);
    return 1;
  }
  const ns = flags.namespace || 'default';
  const base = `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(name)}`;
  try {
    let container = flags.container;
    if (!container) {
      const pod = JSON.parse((await ctx.client.getRaw(base)).toString('utf8')) as KObject;
      const names: string[] = (pod.spec?.containers ?? []).map((c: { name: string }) => c.name);
      const preferred = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
      container = preferred && names.includes(preferred) ? preferred : names[0];
      if (names.length > 1 && !preferred) {
        ctx.err.write(`Defaulted container "${container}" out of: ${names.join(', ')}\n`);
      }
    }
    const q = new URLSearchParams();
    if (container) {
      q.set('container', container);
    }
    if (flags.tail !== undefined && Number(flags.tail) >= 0) {
      q.set('tailLines', String(Number(flags.tail)));
    }
    if (flags.previous) {
      q.set('previous', 'true');
    }
    if (flags.timestamps) {
      q.set('timestamps', 'true');
    }
    if (!flags.follow) {
      ctx.out.write((await ctx.client.getRaw(`${base}/log?${q}`, '*/*')).toString('utf8'));
      return 0;
    }
    q.set('follow', 'true');
    const utf8 = new StringDecoder('utf8');
    const h = await ctx.client.getStream(`${base}/log?${q}`, (c) => ctx.out.write(utf8.write(c)));
    const stop = () => h.stop();
    flags.signal?.addEventListener('abort', stop, { once: true });
    const err = await h.done;
    flags.signal?.removeEventListener('abort', stop);
    return err ? fail(ctx, err) : 0;
  } catch (e) {
    return fail(ctx, e);
  }
}
