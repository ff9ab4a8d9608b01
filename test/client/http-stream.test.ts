// HttpClient's streamed GETs (getStream for followed logs, watch) over a plain local HTTP server:
// chunks arrive as sent, a watch ERROR event ends the handle with its ApiError, a non-2xx answer
// throws the Status it carries, and stop() settles `done` without an error.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/api/errors.js';
import { HttpClient } from '../../src/client/http.js';
import { R } from '../../src/client/resources.js';

let server: http.Server;
let client: HttpClient;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url?.startsWith('/log')) {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('one\n');
      setTimeout(() => res.end('two\n'), 10);
    } else if (req.url?.startsWith('/hang')) {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('first\n');
    } else if (req.url?.startsWith('/api/v1/namespaces/default/configmaps?watch=1')) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(`${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a' } } })}\n`);
      res.end(
        `${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' } })}\n`,
      );
    } else {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({ kind: 'Status', code: 404, reason: 'NotFound', message: 'pods "x" not found' }),
      );
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  client = new HttpClient({
    server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    token: 't',
  });
});

afterAll(async () => {
  client.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('HttpClient streams', () => {
  it('getStream hands over each chunk and ends cleanly with the body', async () => {
    const chunks: string[] = [];
    const h = await client.getStream('/log', (c) => chunks.push(c.toString('utf8')));
    expect(await h.done).toBeUndefined();
    expect(chunks.join('')).toBe('one\ntwo\n');
  });

  it('stop() ends a stream the server keeps open', async () => {
    let got = '';
    const h = await client.getStream('/hang', (c) => {
      got += c.toString('utf8');
    });
    await new Promise((r) => setTimeout(r, 20));
    h.stop();
    expect(await h.done).toBeUndefined();
    expect(got).toBe('first\n');
  });

  it('throws the Status of a non-2xx answer (getStream and getRaw)', async () => {
    await expect(client.getStream('/missing', () => {})).rejects.toMatchObject({
      code: 404,
      reason: 'NotFound',
    });
    await expect(client.getRaw('/missing')).rejects.toBeInstanceOf(ApiError);
  });

  it('a watch ERROR event ends the watch with its ApiError, after the events before it', async () => {
    const seen: string[] = [];
    const h = await client.watch(R.configmaps, { namespace: 'default' }, (e) => seen.push(e.type));
    const err = await h.done;
    expect(seen).toEqual(['ADDED']);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 410, reason: 'Expired' });
  });
});
