// Bearer tokens: one admin token (written into the kubeconfig) and node join tokens handed to
// `gantry agent --token`. Persisted in `<dir>/tokens.json` (mode 0600). Node tokens are kept only
// as SHA-256 hashes; every comparison is between hashes with crypto.timingSafeEqual.
// Tokens never appear in errors or logs.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface Identity {
  user: string;
  groups: string[];
}

export const ADMIN_IDENTITY: Readonly<Identity> = { user: 'admin', groups: ['system:masters'] };
export const NODE_IDENTITY: Readonly<Identity> = { user: 'system:node-bootstrap', groups: ['system:nodes'] };

interface TokenFile {
  version: 1;
  /** The admin token itself: it must be handed out again on every start (kubeconfig). */
  admin?: string;
  nodes: { sha256: string; createdAt: string }[];
}

function newToken(): string {
  return randomBytes(32).toString('base64url');
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function parseFile(text: string, path: string): TokenFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path} is not valid JSON`, { cause: err });
  }
  const d = data as Partial<TokenFile> | null;
  if (
    !d ||
    typeof d !== 'object' ||
    (d.admin !== undefined && typeof d.admin !== 'string') ||
    !Array.isArray(d.nodes) ||
    !d.nodes.every((n) => typeof n?.sha256 === 'string' && /^[0-9a-f]{64}$/.test(n.sha256))
  ) {
    throw new Error(`${path} does not hold a Gantry token file`);
  }
  return { version: 1, admin: d.admin, nodes: d.nodes };
}

export class TokenStore {
  readonly path: string;
  private data: TokenFile;
  private adminHash: Buffer | undefined;
  private nodeHashes: Buffer[] = [];
  private loadedMtimeMs = -1;

  /** Loads `<dir>/tokens.json` if present; nothing is written until a token is created. */
  constructor(dir: string) {
    this.path = join(dir, 'tokens.json');
    this.data = { version: 1, nodes: [] };
    this.load();
  }

  private load(): void {
    let text: string | undefined;
    try {
      this.loadedMtimeMs = statSync(this.path).mtimeMs;
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new Error(`read ${this.path}`, { cause: err });
      }
    }
    this.data = text === undefined ? { version: 1, nodes: [] } : parseFile(text, this.path);
    this.adminHash = this.data.admin === undefined ? undefined : sha256(this.data.admin);
    this.nodeHashes = this.data.nodes.map((n) => Buffer.from(n.sha256, 'hex'));
  }

  /**
   * Re-reads the file when another process (`gantry token create` next to a running server)
   * changed it; a file that cannot be read or parsed keeps the tokens already loaded.
   */
  private reloadIfChanged(): boolean {
    try {
      if (statSync(this.path).mtimeMs === this.loadedMtimeMs) {
        return false;
      }
      this.load();
      return true;
    } catch {
      return false;
    }
  }

  /** The admin token, created (and persisted) on first call. */
  ensureAdminToken(): string {
    if (this.data.admin === undefined) {
      const token = newToken();
      this.save({ ...this.data, admin: token });
      this.adminHash = sha256(token);
    }
    return this.data.admin as string;
  }

  /** A fresh node join token; only its hash is stored. */
  createNodeToken(): string {
    const token = newToken();
    const hash = sha256(token);
    this.save({
      ...this.data,
      nodes: [...this.data.nodes, { sha256: hash.toString('hex'), createdAt: new Date().toISOString() }],
    });
    this.nodeHashes.push(hash);
    return token;
  }

  /**
   * Who a bearer token belongs to, or undefined. Compares the token's hash against every known
   * hash (no early exit), so timing reveals neither which token matched nor how much of it.
   */
  authenticate(bearer: string): Identity | undefined {
    if (bearer === '') {
      return undefined;
    }
    const who = this.match(bearer);
    // an unknown token may be one just created by another process: look at the file again
    return who ?? (this.reloadIfChanged() ? this.match(bearer) : undefined);
  }

  private match(bearer: string): Identity | undefined {
    const presented = sha256(bearer);
    const isAdmin = this.adminHash !== undefined && timingSafeEqual(presented, this.adminHash);
    let isNode = false;
    for (const h of this.nodeHashes) {
      isNode = timingSafeEqual(presented, h) || isNode;
    }
    if (isAdmin) {
      return { user: ADMIN_IDENTITY.user, groups: [...ADMIN_IDENTITY.groups] };
    }
    if (isNode) {
      return { user: NODE_IDENTITY.user, groups: [...NODE_IDENTITY.groups] };
    }
    return undefined;
  }

  private save(next: TokenFile): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.tmp-${process.pid}`;
    writeFileSync(tmp, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.path);
    this.loadedMtimeMs = statSync(this.path).mtimeMs;
    this.data = next;
  }
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return m?.[1];
}
