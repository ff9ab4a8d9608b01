// The environment git runs with for promotions: what it needs to find programs, proxies, CA
// certificates and the commit identity, nothing that could run a program of the caller's choosing
// (editors, pagers), and credentials only through a GIT_ASKPASS script reading two variables, so
// they never appear on a command line, in a URL, in git's config or in a log line.
import { createHash } from 'node:crypto';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface GitAuth {
  readonly username?: string;
  readonly password?: string;
}

const ASKPASS =
  '#!/bin/sh\ncase "$1" in\n  [Uu]sername*) printf \'%s\\n\' "$GANTRY_GIT_USERNAME" ;;\n  *) printf \'%s\\n\' "$GANTRY_GIT_PASSWORD" ;;\nesac\n';
const PASSED_ENV =
  /^(PATH|HOME|USER|LANG|LC_[A-Z]+|TMPDIR|TZ|SSL_CERT_FILE|SSL_CERT_DIR|GIT_SSL_CAINFO|GIT_SSL_NO_VERIFY|SSH_AUTH_SOCK|GIT_(AUTHOR|COMMITTER)_(NAME|EMAIL|DATE)|GIT_CONFIG_NOSYSTEM|GIT_CONFIG_GLOBAL|(?:http|https|no|all)_proxy|(?:HTTP|HTTPS|NO|ALL)_PROXY)$/;
export const ALLOWED_GIT_ENV = [
  'GIT_TERMINAL_PROMPT',
  'GIT_ASKPASS',
  'GIT_SSL_CAINFO',
  'GIT_SSL_NO_VERIFY',
  'GIT_AUTHOR_NAME',
  'GIT_AUTHOR_EMAIL',
  'GIT_AUTHOR_DATE',
  'GIT_COMMITTER_NAME',
  'GIT_COMMITTER_EMAIL',
  'GIT_COMMITTER_DATE',
  'GIT_CONFIG_NOSYSTEM',
  'GIT_CONFIG_GLOBAL',
];

/** The URL with any inline credentials removed, for messages. */
export async function gitEnv(tmp: string, auth: GitAuth | undefined): Promise<Record<string, string>> {
  const env: Record<string, string> = { GIT_TERMINAL_PROMPT: '0' };
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && PASSED_ENV.test(k)) {
      env[k] = v;
    }
  }
  if (auth && (auth.username !== undefined || auth.password !== undefined)) {
    const p = join(tmp, `askpass-${createHash('sha1').update(tmp).digest('hex').slice(0, 8)}.sh`);
    await writeFile(p, ASKPASS, { mode: 0o700 });
    await chmod(p, 0o700);
    env.GIT_ASKPASS = p;
    env.GANTRY_GIT_USERNAME = auth.username ?? '';
    env.GANTRY_GIT_PASSWORD = auth.password ?? '';
  }
  return env;
}
