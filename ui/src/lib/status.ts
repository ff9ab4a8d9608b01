// How a status word is shown: an icon and a tone besides the text (never colour alone). Pure.

export type Tone = 'ok' | 'warn' | 'bad' | 'progress' | 'unknown' | 'paused';

export interface StatusLook {
  readonly icon: string;
  readonly tone: Tone;
}

const LOOKS: Record<string, StatusLook> = {
  Synced: { icon: '✓', tone: 'ok' },
  OutOfSync: { icon: '↻', tone: 'warn' },
  Missing: { icon: '∅', tone: 'warn' },
  Healthy: { icon: '♥', tone: 'ok' },
  Progressing: { icon: '◔', tone: 'progress' },
  Degraded: { icon: '✗', tone: 'bad' },
  Suspended: { icon: '⏸', tone: 'paused' },
  Paused: { icon: '⏸', tone: 'paused' },
  Running: { icon: '▶', tone: 'progress' },
  Succeeded: { icon: '✓', tone: 'ok' },
  Failed: { icon: '✗', tone: 'bad' },
  Error: { icon: '✗', tone: 'bad' },
  Terminating: { icon: '◌', tone: 'progress' },
  Pending: { icon: '◔', tone: 'progress' },
  Ready: { icon: '✓', tone: 'ok' },
  NotReady: { icon: '✗', tone: 'bad' },
  Aborted: { icon: '■', tone: 'bad' },
  Normal: { icon: 'ℹ', tone: 'ok' },
  Warning: { icon: '⚠', tone: 'warn' },
};

export function statusLook(status: string | undefined): StatusLook {
  return (status !== undefined ? LOOKS[status] : undefined) ?? { icon: '?', tone: 'unknown' };
}
