// The API server's side of `kubectl logs`: a PodLogSource that finds the pod's node, reads the
// node's agent endpoint (status.addresses InternalIP + daemonEndpoints.kubeletEndpoint.Port) and
// proxies the agent's log stream, authenticating with the shared token of the Secret
// kube-system/gantry-agent-auth (created here on first use; see agent-server.ts).
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import http from 'node:http';
import { ApiError, errors, isApiError } from '../../api/errors.js';
import type { KObject, Pod } from '../../api/types.js';
import { R } from '../../client/resources.js';
import type { Client } from '../../client/types.js';
import type { PodLogOptions, PodLogSource } from '../../cluster/apiserver/handlers.js';
import { AGENT_AUTH_SECRET } from './agent-server.js';

/** The shared agent token: read from the Secret, created (random) when it does not exist yet. */
export async function ensureAgentAuthToken(client: Client): Promise<string> {
  const { namespace, name, key } = AGENT_AUTH_SECRET;
  const read = (s: KObject): string | undefined => {
    const v = s.data?.[key];
    return typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : undefined;
  };
  try {
    const t = read(await client.get(R.secrets, namespace, name));
    if (t) {
      return t;
    }
  } catch (e) {
    if (!isApiError(e, 404)) {
      throw e;
    }
  }
  const token = randomBytes(32).toString('base64url');
  try {
    await client.create(R.secrets, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'gantry' } },
      type: 'Opaque',
      data: { [key]: Buffer.from(token).toString('base64') },
    });
    return token;
  } catch (e) {
    if (isApiError(e, 409)) {
      const t = read(await client.get(R.secrets, namespace, name));
      if (t) {
        return t;
      }
    }
    throw e;
  }
}

/** Reads the shared agent token (agents: they may read, not create, Secrets). */
export async function readAgentAuthToken(client: Client): Promise<string | undefined> {
  try {
    const s = await client.get(R.secrets, AGENT_AUTH_SECRET.namespace, AGENT_AUTH_SECRET.name);
    const v = s.data?.[AGENT_AUTH_SECRET.key];
    return typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : undefined;
  } catch (e) {
    if (isApiError(e, 404)) {
      return undefined;
    }
    throw e;
  }
}

/** Where a node's agent answers: InternalIP (else Hostname) and the kubelet endpoint port. */
export function agentEndpoint(node: KObject): { host: string; port: number } | undefined {
  const addresses: { type: string; address: string }[] = node.status?.addresses ?? [];
  const host =
    addresses.find((a) => a.type === 'InternalIP')?.address ??
    addresses.find((a) => a.type === 'Hostname')?.address;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  return host && typeof port === 'number' && port > 0 ? { host, port } : undefined;
}

function logQuery(opts: PodLogOptions): string {
  const q = new URLSearchParams();
  if (opts.follow) {
    q.set('follow', 'true');
  }
  if (opts.previous) {
    q.set('previous', 'true');
  }
  if (opts.timestamps) {
    q.set('timestamps', 'true');
  }
  for (const k of ['tailLines', 'sinceSeconds', 'limitBytes'] as const) {
    if (opts[k] !== undefined) {
      q.set(k, String(opts[k]));
    }
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

export function agentPodLogSource(client: Client): PodLogSource {
  let token: Promise<string> | undefined;
  const getToken = () => {
    token ??= ensureAgentAuthToken(client).catch((e) => {
      token = undefined;
      throw e;
    });
    return token;
  };
  // create the Secret early, so agents find it when they start
  void getToken().catch(() => {});
  return {
    async stream(pod: Pod, opts: PodLogOptions, out: ServerResponse, signal: AbortSignal): Promise<void> {
      const nodeName = pod.spec.nodeName ?? '';
      let node: KObject;
      try {
        node = await client.get(R.nodes, undefined, nodeName);
      } catch (e) {
        throw isApiError(e, 404)
          ? errors.badRequest(`node "${nodeName}" of pod ${pod.metadata.name} does not exist`)
          : e;
      }
      const ep = agentEndpoint(node);
      if (!ep) {
        throw errors.badRequest(
          `node "${nodeName}" reports no agent endpoint (status.daemonEndpoints.kubeletEndpoint)`,
        );
      }
      const path = `/containerLogs/${encodeURIComponent(pod.metadata.namespace ?? 'default')}/${encodeURIComponent(pod.metadata.name ?? '')}/${encodeURIComponent(opts.container ?? '')}${logQuery(opts)}`;
      const bearer = await getToken();
      await new Promise<void>((resolve, reject) => {
        const req = http.request(
          {
            host: ep.host,
            port: ep.port,
            path,
            method: 'GET',
            headers: { Authorization: `Bearer ${bearer}` },
            signal,
          },
          (res) => {
            if (res.statusCode !== 200) {
              const chunks: Buffer[] = [];
              res.on('data', (c: Buffer) => chunks.push(c));
              res.on('end', () => {
                let message = Buffer.concat(chunks).toString('utf8');
                try {
                  message = JSON.parse(message).message ?? message;
                } catch {
                  // plain text
                }
                reject(
                  res.statusCode === 404
                    ? errors.badRequest(message)
                    : new ApiError(
                        502,
                        'InternalError',
                        `node agent of ${nodeName}: ${res.statusCode} ${message}`,
                      ),
                );
              });
              return;
            }
            out.writeHead(200, { 'Content-Type': 'text/plain' });
            out.flushHeaders();
            res.pipe(out);
            res.on('end', () => resolve());
            res.on('error', () => resolve());
            res.on('close', () => resolve());
          },
        );
        req.on('error', (e) => {
          if (signal.aborted) {
            resolve();
            return;
          }
          reject(
            out.headersSent
              ? e
              : new ApiError(
                  502,
                  'InternalError',
                  `cannot reach the node agent of ${nodeName} at ${ep.host}:${ep.port}: ${e.message}`,
                ),
          );
        });
        req.end();
      });
    },
  };
}
