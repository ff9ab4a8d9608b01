// The dashboard's client-side routes under /ui/: parse a pathname into a Route, and back. Pure.

export type Route =
  | { readonly page: 'apps' }
  | { readonly page: 'app'; readonly name: string }
  | { readonly page: 'rollout'; readonly namespace: string; readonly name: string }
  | { readonly page: 'nodes' }
  | { readonly page: 'pods'; readonly namespace?: string }
  | { readonly page: 'pod'; readonly namespace: string; readonly name: string }
  | { readonly page: 'notFound'; readonly path: string };

const BASE = '/ui';

function decode(s: string): string | undefined {
  try {
    const v = decodeURIComponent(s);
    return v === '' ? undefined : v;
  } catch {
    return undefined;
  }
}

export function parseRoute(pathname: string, search = ''): Route {
  if (pathname !== BASE && !pathname.startsWith(`${BASE}/`)) {
    return { page: 'notFound', path: pathname };
  }
  const parts = pathname
    .slice(BASE.length)
    .split('/')
    .filter((p) => p !== '');
  const seg = parts.map(decode);
  if (seg.some((s) => s === undefined)) {
    return { page: 'notFound', path: pathname };
  }
  const [a, b, c] = seg as string[];
  if (parts.length === 0 || (parts.length === 1 && a === 'applications')) {
    return { page: 'apps' };
  }
  if (parts.length === 2 && a === 'applications') {
    return { page: 'app', name: b! };
  }
  if (parts.length === 3 && a === 'rollouts') {
    return { page: 'rollout', namespace: b!, name: c! };
  }
  if (parts.length === 1 && a === 'nodes') {
    return { page: 'nodes' };
  }
  if (parts.length === 1 && a === 'pods') {
    const ns = new URLSearchParams(search).get('namespace');
    return ns ? { page: 'pods', namespace: ns } : { page: 'pods' };
  }
  if (parts.length === 3 && a === 'pods') {
    return { page: 'pod', namespace: b!, name: c! };
  }
  return { page: 'notFound', path: pathname };
}

const enc = encodeURIComponent;

export function routePath(r: Route): string {
  switch (r.page) {
    case 'apps':
      return `${BASE}/`;
    case 'app':
      return `${BASE}/applications/${enc(r.name)}`;
    case 'rollout':
      return `${BASE}/rollouts/${enc(r.namespace)}/${enc(r.name)}`;
    case 'nodes':
      return `${BASE}/nodes`;
    case 'pods':
      return r.namespace ? `${BASE}/pods?namespace=${enc(r.namespace)}` : `${BASE}/pods`;
    case 'pod':
      return `${BASE}/pods/${enc(r.namespace)}/${enc(r.name)}`;
    case 'notFound':
      return r.path;
  }
}

/** A token handed over in the URL fragment (`#token=…`) and the fragment left without it. */
export function tokenFromHash(hash: string): { token?: string; rest: string } {
  const h = hash.startsWith('#') ? hash.slice(1) : hash;
  const params = new URLSearchParams(h);
  const token = params.get('token');
  params.delete('token');
  const rest = params.toString();
  return token ? { token, rest: rest ? `#${rest}` : '' } : { rest: hash };
}
