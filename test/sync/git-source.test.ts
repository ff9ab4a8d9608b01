import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  classifyGitError,
  GitSource,
  GitSourceError,
  matchRevision,
  parseLsRemote,
  redactUrl,
} from '../../src/sync/git-source.js';
import { git, makeRepo, serveGitHttp } from './git-helpers.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'gantry-git-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>): Promise<GitSourceError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(GitSourceError);
    return e as GitSourceError;
  }
  throw new Error('expected a rejection');
}

describe('ls-remote parsing and matching', () => {
  const refs = parseLsRemote(
    [
      `${'a'.repeat(40)}\tHEAD`,
      `${'a'.repeat(40)}\trefs/heads/main`,
      `${'b'.repeat(40)}\trefs/tags/v1`,
      `${'c'.repeat(40)}\trefs/tags/v1^{}`,
    ].join('\n'),
  );
  it('resolves HEAD, branches and peeled annotated tags', () => {
    expect(matchRevision(refs, 'HEAD')?.sha).toBe('a'.repeat(40));
    expect(matchRevision(refs, '')?.sha).toBe('a'.repeat(40));
    expect(matchRevision(refs, 'main')).toEqual({ ref: 'refs/heads/main', sha: 'a'.repeat(40) });
    expect(matchRevision(refs, 'v1')).toEqual({ ref: 'refs/tags/v1', sha: 'c'.repeat(40) });
    expect(matchRevision(refs, 'gone')).toBeUndefined();
  });
  it('classifies failures and redacts credentials', () => {
    expect(classifyGitError('fatal: Authentication failed for https://x')).toBe('AuthFailed');
    expect(classifyGitError("fatal: unable to access 'https://x/': Could not resolve host: x")).toBe(
      'Unreachable',
    );
    expect(classifyGitError("fatal: '/nope' does not appear to be a git repository")).toBe('Unreachable');
    expect(classifyGitError('something else')).toBe('Failed');
    expect(redactUrl('https://user:tok@host/repo.git')).toBe('https://***@host/repo.git');
  });
});

describe('GitSource over file://', () => {
  it('resolves branch, tag, SHA and HEAD; fetches only when the revision moved', async () => {
    const repo = makeRepo(root, 'basic');
    const first = repo.commit({ 'app/cm.yaml': 'a: 1\n' }, 'first');
    git(repo.work, 'tag', 'v1');
    git(repo.work, 'push', '-q', 'origin', 'v1');
    const src = new GitSource({ dataDir: join(root, 'data-basic') });
    const r1 = await src.resolve(repo.url, 'main');
    expect(r1).toMatchObject({ sha: first, ref: 'refs/heads/main', fetched: true });
    const again = await src.resolve(repo.url, 'main');
    expect(again).toMatchObject({ sha: first, fetched: false });
    expect((await src.resolve(repo.url, 'HEAD')).sha).toBe(first);
    expect((await src.resolve(repo.url, 'v1')).sha).toBe(first);
    const second = repo.commit({ 'app/cm.yaml': 'a: 2\n' }, 'second');
    const r2 = await src.resolve(repo.url, 'main');
    expect(r2).toMatchObject({ sha: second, fetched: true });
    expect(r2.forcePush).toBeUndefined();
    expect((await src.resolve(repo.url, first)).sha).toBe(first);
    expect((await src.resolve(repo.url, first.slice(0, 8))).sha).toBe(first);
    const dir = await src.checkout(repo.url, first);
    expect(readFileSync(join(dir, 'app/cm.yaml'), 'utf8')).toBe('a: 1\n');
    const dir2 = await src.checkout(repo.url, second);
    expect(readFileSync(join(dir2, 'app/cm.yaml'), 'utf8')).toBe('a: 2\n');
  });

  it('follows a force-push and says so; a deleted branch or unknown SHA is UnknownRevision', async () => {
    const repo = makeRepo(root, 'rewrite');
    repo.commit({ 'x.yaml': 'a: 1\n' }, 'one');
    repo.commit({ 'x.yaml': 'a: 2\n' }, 'two', 'feature');
    const src = new GitSource({ dataDir: join(root, 'data-rewrite') });
    await src.resolve(repo.url, 'main');
    const rewritten = repo.forcePush({ 'x.yaml': 'b: 1\n' });
    const r = await src.resolve(repo.url, 'main');
    expect(r.sha).toBe(rewritten);
    expect(r.forcePush?.previous).toMatch(/^[0-9a-f]{40}$/);
    await src.resolve(repo.url, 'feature');
    git(repo.work, 'push', '-q', 'origin', '--delete', 'feature');
    const gone = await rejection(src.resolve(repo.url, 'feature'));
    expect(gone.reason).toBe('UnknownRevision');
    expect(gone.message).toContain('"feature" not found');
    const sha = await rejection(src.resolve(repo.url, 'f'.repeat(40)));
    expect(sha.reason).toBe('UnknownRevision');
  });

  it('an unreachable repository is classified as such', async () => {
    const src = new GitSource({ dataDir: join(root, 'data-missing') });
    const e = await rejection(src.resolve(`file://${join(root, 'does-not-exist.git')}`, 'main'));
    expect(e.reason).toBe('Unreachable');
    expect(e.message).toContain('unreachable');
  });
});

describe('GitSource over smart HTTP (git http-backend)', () => {
  it('clones anonymously, and with credentials from the caller when the server requires them', async () => {
    const repo = makeRepo(root, 'served');
    const sha = repo.commit({ 'a.yaml': 'x: 1\n' });
    const open = await serveGitHttp(root);
    try {
      const src = new GitSource({ dataDir: join(root, 'data-http') });
      const r = await src.resolve(open.urlOf('served.git'), 'main');
      expect(r.sha).toBe(sha);
      const dir = await src.checkout(open.urlOf('served.git'), sha);
      expect(readFileSync(join(dir, 'a.yaml'), 'utf8')).toBe('x: 1\n');
    } finally {
      await open.close();
    }
    const locked = await serveGitHttp(root, { auth: { username: 'bot', password: 's3cret-token' } });
    try {
      const src = new GitSource({ dataDir: join(root, 'data-http-auth') });
      const url = locked.urlOf('served.git');
      const denied = await rejection(src.resolve(url, 'main'));
      expect(denied.reason).toBe('AuthFailed');
      const wrong = await rejection(src.resolve(url, 'main', { username: 'bot', password: 'nope' }));
      expect(wrong.reason).toBe('AuthFailed');
      expect(wrong.message).not.toContain('nope');
      const ok = await src.resolve(url, 'main', { username: 'bot', password: 's3cret-token' });
      expect(ok.sha).toBe(sha);
    } finally {
      await locked.close();
    }
  });
});
