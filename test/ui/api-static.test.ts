// The pure parts of the dashboard's static file serving: content types by extension, and which
// paths below /ui/ name a file, the index, or nothing (anything that could leave the folder).
import { describe, expect, it } from 'vitest';
import { contentTypeOf, staticTarget } from '../../src/ui/static.js';

describe('contentTypeOf', () => {
  it.each([
    ['index.html', 'text/html; charset=utf-8'],
    ['assets/index-1a2b.js', 'text/javascript; charset=utf-8'],
    ['assets/index-1a2b.css', 'text/css; charset=utf-8'],
    ['logo.svg', 'image/svg+xml'],
    ['shot.PNG', 'image/png'],
    ['manifest.json', 'application/json'],
    ['favicon.ico', 'image/x-icon'],
    ['assets/inter-latin.woff2', 'font/woff2'],
    ['LICENSE', 'application/octet-stream'],
  ])('%s → %s', (file, type) => {
    expect(contentTypeOf(file)).toBe(type);
  });
});

describe('staticTarget', () => {
  it('the root and index.html are the index; safe segments a file (decoded)', () => {
    expect(staticTarget('')).toEqual({ kind: 'index' });
    expect(staticTarget('index.html')).toEqual({ kind: 'index' });
    expect(staticTarget('assets/a%20b.js')).toEqual({ kind: 'file', segments: ['assets', 'a b.js'] });
    expect(staticTarget('applications/web')).toEqual({ kind: 'file', segments: ['applications', 'web'] });
  });

  it.each([
    '..',
    '../etc/passwd',
    'assets/../../x',
    '%2e%2e/x',
    '%2E%2E/x',
    '..%2fx',
    'a%2f..%2f..%2fx',
    '..%5cx',
    'a/./b',
    'a//b',
    'a%00.js',
    '%E0%A4%A',
  ])('refuses %s', (rest) => {
    expect(staticTarget(rest)).toEqual({ kind: 'invalid' });
  });
});
