// `gantry logs` input checks and error paths, over a fake log source (the happy paths run the
// built CLI against a real control plane in get.test.ts).
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/api/errors.js';
import { type LogSource, podLogs } from '../../src/cli/logs.js';
import type { WatchHandle } from '../../src/client/types.js';

function capture() {
  let text = '';
  return {
    write: (s: string) => {
      text += s;
    },
    get text() {
      return text;
    },
  };
}

function source(over: Partial<LogSource> = {}): LogSource & { paths: string[] } {
  const paths: string[] = [];
  return {
    paths,
    async getRaw(path) {
      paths.push(path);
      if (path.endsWith('/pods/web-1')) {
        return Buffer.from(
          JSON.stringify({ metadata: { name: 'web-1' }, spec: { containers: [{ name: 'web' }] } }),
        );
      }
      return Buffer.from('a line\n');
    },
    async getStream(path): Promise<WatchHandle> {
      paths.push(path);
      return { stop() {}, done: Promise.resolve(undefined) };
    },
    ...over,
  };
}

describe('podLogs', () => {
  it('refuses a name with a slash and a --tail that is not an integer, asking nothing', async () => {
    for (const [target, tail, msg] of [
      ['deploy/web', undefined, 'error: "deploy/web": give a pod name (or pod/NAME)\n'],
      ['pod/', undefined, 'error: "pod/": give a pod name (or pod/NAME)\n'],
      ['web-1', 'ten', 'error: --tail "ten": an integer is needed (-1 for all lines)\n'],
    ] as const) {
      const src = source();
      const err = capture();
      expect(await podLogs({ client: src, out: capture(), err }, target, tail ? { tail } : {})).toBe(1);
      expect(err.text).toBe(msg);
      expect(src.paths).toEqual([]);
    }
  });

  it("prints the server's Status for an API error and the message for a stream that fails", async () => {
    const err = capture();
    const notFound = source({
      getRaw: () => Promise.reject(new ApiError(404, 'NotFound', 'pods "nope" not found')),
    });
    expect(await podLogs({ client: notFound, out: capture(), err }, 'nope')).toBe(1);
    expect(err.text).toBe('Error from server (NotFound): pods "nope" not found\n');

    const broken = capture();
    const dropped = source({
      getStream: async (path) => {
        dropped.paths.push(path);
        return { stop() {}, done: Promise.resolve(new Error('connection reset')) };
      },
    });
    expect(await podLogs({ client: dropped, out: capture(), err: broken }, 'web-1', { follow: true })).toBe(
      1,
    );
    expect(broken.text).toBe('error: connection reset\n');
    expect(dropped.paths[1]).toBe('/api/v1/namespaces/default/pods/web-1/log?container=web&follow=true');
  });

  it('stops following when the signal aborts', async () => {
    let stopped = false;
    const ac = new AbortController();
    const src = source({
      getStream: async () => {
        let end!: (e: Error | undefined) => void;
        const done = new Promise<Error | undefined>((r) => {
          end = r;
        });
        setTimeout(() => ac.abort(), 5);
        return {
          stop() {
            stopped = true;
            end(undefined);
          },
          done,
        };
      },
    });
    const code = await podLogs({ client: src, out: capture(), err: capture() }, 'web-1', {
      follow: true,
      container: 'web',
      signal: ac.signal,
    });
    expect(code).toBe(0);
    expect(stopped).toBe(true);
  });
});
