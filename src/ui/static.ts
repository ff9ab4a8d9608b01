// The dashboard's files: the Vite build of ui/ (dist/ui), served anonymously under /ui/ like the
// Kubernetes dashboard's login page. A path names a file inside the folder or nothing: decoded
// segments with '..', '/', '\' or NUL are refused and the resolved file must lie inside the
// folder's real path (so neither a crafted URL nor a symlink leaves it). Client-side routes (no
// file extension) get index.html.
import { createReadStream, existsSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, extname, join, resolve, sep } from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.json': 'application/json',
  '.map': 'application/json',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export const NOT_BUILT = 'dashboard not built: run npm run build:ui\n';

/** `<nearest folder with a package.json above from>/dist/ui`: the repository's build output. */
export function defaultUiDir(from: string = import.meta.dirname): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) {
      return join(dir, 'dist', 'ui');
    }
    const up = dirname(dir);
    if (up === dir) {
      return join(resolve(from), 'dist', 'ui');
    }
    dir = up;
  }
}

export type StaticTarget =
  | { readonly kind: 'file'; readonly segments: readonly string[] }
  | { readonly kind: 'index' }
  | { readonly kind: 'invalid' };

/**
 * What a path below /ui/ asks for, from the raw (still percent-encoded) rest of the path. Pure:
 * `''` is the index, a path of safe segments a file; anything that could leave the folder is invalid.
 */
export function staticTarget(rest: string): StaticTarget {
  if (rest === '' || rest === 'index.html') {
    return { kind: 'index' };
  }
  const segments: string[] = [];
  for (const raw of rest.split('/')) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return { kind: 'invalid' };
    }
    if (seg === '' || seg === '.' || seg === '..' || /[/\\\0]/.test(seg)) {
      return { kind: 'invalid' };
    }
    segments.push(seg);
  }
  return { kind: 'file', segments };
}

function isAsset(segments: readonly string[]): boolean {
  return segments[0] === 'assets' && segments.length > 1;
}

async function fileIn(root: string, segments: readonly string[]): Promise<string | undefined> {
  const realRoot = await realpath(root);
  const candidate = resolve(realRoot, ...segments);
  if (!candidate.startsWith(realRoot + sep)) {
    return undefined;
  }
  try {
    const real = await realpath(candidate);
    if (!real.startsWith(realRoot + sep) || !(await stat(real)).isFile()) {
      return undefined;
    }
    return real;
  } catch {
    return undefined;
  }
}

async function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  file: string,
  cacheControl: string,
): Promise<void> {
  const st = await stat(file);
  res.writeHead(200, {
    'Content-Type': contentTypeOf(file),
    'Content-Length': st.size,
    'Cache-Control': cacheControl,
    'Last-Modified': st.mtime.toUTCString(),
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await new Promise<void>((ok, fail) => {
    const s = createReadStream(file);
    s.on('error', fail);
    res.on('close', ok);
    s.pipe(res);
  });
}

function sendText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache',
  });
  res.end(text);
}

/** Serves `GET|HEAD /ui/<rest>` from `root` (rest is the raw path after `/ui/`). */
export async function serveStatic(
  req: IncomingMessage,
  res: ServerResponse,
  root: string,
  rest: string,
): Promise<void> {
  req.resume();
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    sendText(res, 405, 'method not allowed\n');
    return;
  }
  const index = join(root, 'index.html');
  if (!existsSync(index)) {
    sendText(res, 503, NOT_BUILT);
    return;
  }
  const target = staticTarget(rest);
  if (target.kind === 'invalid') {
    sendText(res, 404, 'not found\n');
    return;
  }
  if (target.kind === 'file') {
    const file = await fileIn(root, target.segments);
    if (file) {
      const immutable = isAsset(target.segments) && file !== (await realpath(index));
      await sendFile(req, res, file, immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      return;
    }
    const last = target.segments.at(-1) ?? '';
    if (extname(last) !== '' || isAsset(target.segments)) {
      sendText(res, 404, 'not found\n');
      return;
    }
  }
  // the index, or a client-side route
  await sendFile(req, res, index, 'no-cache');
}
