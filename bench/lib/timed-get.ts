// A GET over HTTPS that reports where its time went: until the first response byte (the server's
// work), until the last byte (transfer), and the body, so the caller can time JSON.parse apart.
import https from 'node:https';
import { nowMs } from './stats.js';

export interface TimedResponse {
  readonly status: number;
  readonly body: Buffer;
  readonly ttfbMs: number;
  readonly totalMs: number;
}

export class TimedGetter {
  private readonly agent: https.Agent;

  constructor(
    private readonly server: string,
    private readonly token: string,
    caPem: string,
  ) {
    this.agent = new https.Agent({ keepAlive: true, maxSockets: 4, ca: caPem });
  }

  get(path: string): Promise<TimedResponse> {
    const t0 = nowMs();
    return new Promise((resolve, reject) => {
      const req = https.request(
        new URL(this.server + path),
        {
          method: 'GET',
          agent: this.agent,
          headers: { Authorization: `Bearer ${this.token}`, Accept: 'application/json' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let ttfbMs: number | undefined;
          res.on('data', (c: Buffer) => {
            ttfbMs ??= nowMs() - t0;
            chunks.push(c);
          });
          res.on('end', () => {
            const totalMs = nowMs() - t0;
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks),
              ttfbMs: ttfbMs ?? totalMs,
              totalMs,
            });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
