import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearerToken, NODE_IDENTITY, TokenStore } from '../../../src/cluster/auth/tokens.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gantry-tokens-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

describe('TokenStore', () => {
  it('creates the admin token once, persists it with mode 0600 and returns it on later starts', async () => {
    const store = new TokenStore(dir);
    expect(await exists(join(dir, 'tokens.json'))).toBe(false);
    const token = store.ensureAdminToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url
    expect(store.ensureAdminToken()).toBe(token);
    expect((await stat(join(dir, 'tokens.json'))).mode & 0o777).toBe(0o600);
    const reopened = new TokenStore(dir);
    expect(reopened.ensureAdminToken()).toBe(token);
    expect(new TokenStore(await mkdtemp(join(dir, 'other-'))).ensureAdminToken()).not.toBe(token);
  });

  it('authenticates admin and node tokens, and nothing else', () => {
    const store = new TokenStore(dir);
    const admin = store.ensureAdminToken();
    const node1 = store.createNodeToken();
    const node2 = store.createNodeToken();
    expect(node1).not.toBe(node2);
    expect(store.authenticate(admin)).toEqual({ user: 'admin', groups: ['system:masters'] });
    expect(store.authenticate(node1)).toEqual({ user: 'system:node-bootstrap', groups: ['system:nodes'] });
    expect(store.authenticate(node2)).toEqual({ user: 'system:node-bootstrap', groups: ['system:nodes'] });
    expect(store.authenticate('')).toBeUndefined();
    expect(store.authenticate('nope')).toBeUndefined();
    expect(store.authenticate(admin.slice(0, -1))).toBeUndefined();
    const last = admin.at(-1) === 'A' ? 'B' : 'A';
    expect(store.authenticate(admin.slice(0, -1) + last)).toBeUndefined();
    expect(store.authenticate(`${admin} `)).toBeUndefined();
  });

  it('returned identities cannot alter the store', () => {
    const store = new TokenStore(dir);
    const admin = store.ensureAdminToken();
    const id = store.authenticate(admin);
    id?.groups.push('hacked');
    expect(store.authenticate(admin)?.groups).toEqual(['system:masters']);
  });

  it('keeps node tokens across restarts but stores only their hashes', async () => {
    const store = new TokenStore(dir);
    const node = store.createNodeToken();
    const text = await readFile(join(dir, 'tokens.json'), 'utf8');
    expect(text).not.toContain(node);
    const reopened = new TokenStore(dir);
    expect(reopened.authenticate(node)?.user).toBe('system:node-bootstrap');
    // No admin token yet: the node token is not an admin one, and creating the admin keeps nodes.
    const admin = reopened.ensureAdminToken();
    expect(new TokenStore(dir).authenticate(node)?.user).toBe('system:node-bootstrap');
    expect(new TokenStore(dir).authenticate(admin)?.user).toBe('admin');
  });

  it('accepts a node token another process created while this one runs (gantry token create)', () => {
    const server = new TokenStore(dir);
    server.ensureAdminToken();
    const token = new TokenStore(dir).createNodeToken(); // the CLI, in another process
    expect(server.authenticate(token)).toEqual(NODE_IDENTITY);
    expect(server.authenticate('not-a-token')).toBeUndefined();
  });

  it('refuses a corrupt token file without echoing its content', async () => {
    await writeFile(join(dir, 'tokens.json'), '{"admin": "s3cr3t-value", "nodes": "x"}');
    expect(() => new TokenStore(dir)).toThrow(/tokens\.json/);
    try {
      new TokenStore(dir);
    } catch (err) {
      expect(String((err as Error).message)).not.toContain('s3cr3t-value');
    }
    await writeFile(join(dir, 'tokens.json'), 'not json');
    expect(() => new TokenStore(dir)).toThrow(/not valid JSON/);
  });
});

describe('bearerToken', () => {
  it.each([
    ['Bearer abc.DEF-123_', 'abc.DEF-123_'],
    ['bearer abc', 'abc'],
    ['Bearer   abc  ', 'abc'],
    ['Basic YWRtaW46eA==', undefined],
    ['Bearer', undefined],
    ['Bearer a b', undefined],
    [undefined, undefined],
  ])('%s → %s', (header, want) => {
    expect(bearerToken(header)).toBe(want);
  });
});
