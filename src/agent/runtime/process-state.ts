// Cheap liveness checks from /proc and runc's state directory, so the runtime need not start a
// runc process to learn whether a container or its shim is still there.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Whether pid is alive and still the process whose command line names this container id. */
export function isAlive(pid: number | undefined, id: string): boolean {
  if (pid === undefined) {
    return false;
  }
  try {
    // The cmdline check guards against a recycled pid.
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(id);
  } catch {
    return false;
  }
}

/**
 * Pid and start time from runc's own state file, when runc has written it, and whether that init
 * process still lives (same start time, not a zombie: the test runc itself applies).
 */
export function readRuncStateFile(
  stateDir: string,
): { pid: number; startedAt: Date; alive: boolean } | undefined {
  try {
    const s = JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as {
      init_process_pid?: number;
      init_process_start?: number;
      created?: string;
    };
    if (typeof s.init_process_pid !== 'number') {
      return undefined;
    }
    return { pid: s.init_process_pid, startedAt: new Date(s.created ?? Date.now()), alive: processLives(s) };
  } catch {
    return undefined;
  }
}

function processLives(s: { init_process_pid?: number; init_process_start?: number }): boolean {
  try {
    const stat = readFileSync(`/proc/${s.init_process_pid}/stat`, 'utf8');
    // Fields after the parenthesized command: state is the 3rd field, starttime the 22nd.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] !== 'Z' && fields[0] !== 'X' && Number(fields[19]) === s.init_process_start;
  } catch {
    return false;
  }
}
