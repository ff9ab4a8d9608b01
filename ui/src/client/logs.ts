// A pod's log, streamed: GET …/log?follow=true as text chunks until the AbortSignal fires.
import { apiFetch } from './api.js';

export async function streamLog(
  namespace: string,
  pod: string,
  o: { container: string; follow: boolean; tailLines: number },
  onText: (chunk: string) => void,
  signal: AbortSignal,
): Promise<void> {
  const q = new URLSearchParams({
    container: o.container,
    tailLines: String(o.tailLines),
    ...(o.follow ? { follow: 'true' } : {}),
  });
  const res = await apiFetch(
    `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log?${q}`,
    { signal, headers: { Accept: 'text/plain' } },
  );
  const reader = res.body?.pipeThrough(new TextDecoderStream()).getReader();
  if (!reader) {
    onText(await res.text());
    return;
  }
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        return;
      }
      onText(value);
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}
