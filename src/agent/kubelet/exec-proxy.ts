// The API server's side of `kubectl exec`: a PodExecSource that finds the pod's node, its agent
// endpoint (as pod-log-source.ts does for logs) and opens the agent's streaming exec WebSocket
// (exec-endpoint.ts), authenticated with the shared agent token.
import { ApiError, errors, isApiError } from '../../api/errors.js';
import type { KObject, Pod } from '../../api/types.js';
import { R } from '../../client/resources.js';
import type { Client } from '../../client/types.js';
import { type ExecRequest, execQuery } from '../../cluster/apiserver/exec-channel.js';
import type { PodExecSource } from '../../cluster/apiserver/exec-upgrade.js';
import { connectWebSocket, WsHandshakeError } from '../../cluster/apiserver/exec-ws-connection.js';
import { AGENT_EXEC_PROTOCOL } from './exec-endpoint.js';
import { agentEndpoint, ensureAgentAuthToken } from './pod-log-source.js';

function agentMessage(body: string): string {
  try {
    const m = (JSON.parse(body) as { message?: unknown }).message;
    return typeof m === 'string' ? m : body;
  } catch {
    return body;
  }
}

export function agentPodExecSource(client: Client): PodExecSource {
  let token: Promise<string> | undefined;
  const getToken = () => {
    token ??= ensureAgentAuthToken(client).catch((e) => {
      token = undefined;
      throw e;
    });
    return token;
  };
  return {
    async open(pod: Pod, container: string, request: ExecRequest, signal: AbortSignal) {
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
      const enc = encodeURIComponent;
      const path = `/exec/${enc(pod.metadata.namespace ?? 'default')}/${enc(pod.metadata.name ?? '')}/${enc(container)}?${execQuery(request)}`;
      const bearer = await getToken();
      try {
        const { conn } = await connectWebSocket({
          host: ep.host,
          port: ep.port,
          path,
          protocols: [AGENT_EXEC_PROTOCOL],
          headers: { Authorization: `Bearer ${bearer}` },
          signal,
        });
        return conn;
      } catch (e) {
        if (e instanceof WsHandshakeError) {
          const message = agentMessage(e.body);
          throw e.statusCode === 404 || e.statusCode === 400
            ? errors.badRequest(message)
            : new ApiError(502, 'InternalError', `node agent of ${nodeName}: ${e.statusCode} ${message}`);
        }
        throw new ApiError(
          502,
          'InternalError',
          `cannot reach the node agent of ${nodeName} at ${ep.host}:${ep.port}: ${(e as Error).message}`,
        );
      }
    },
  };
}
