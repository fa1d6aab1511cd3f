/**
 * Starting and stopping the plane's processes so that none outlives `cluster:down`.
 *
 * Each process runs in its own process group with its output in a log file of the state
 * directory. Its pid is recorded there, and a pid is only ever signalled while its command
 * line still names the state directory, so a recycled pid of an unrelated process is safe.
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A started process, by the name the plane gives it. */
export interface ManagedProcess {
  name: string;
  pid: number;
}

/** Starts `command` detached, logging to `<stateDir>/logs/<name>.log`. */
export function startProcess(
  stateDir: string,
  name: string,
  command: string,
  args: string[],
): ManagedProcess {
  const log = openSync(join(stateDir, 'logs', `${name}.log`), 'a');
  try {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', log, log] });
    if (child.pid === undefined) throw new Error(`cannot start ${name} (${command})`);
    child.unref();
    return { name, pid: child.pid };
  } finally {
    closeSync(log);
  }
}

/** True while `pid` is alive and still one of the processes of `stateDir`. */
export function isOurs(pid: number, stateDir: string): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // A zombie keeps its command line until reaped but is already gone for our purposes.
    const zombie = /\) Z /.test(state);
    return !zombie && cmdline.includes(stateDir);
  } catch {
    return false;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone: exactly what stopping wants.
    }
  }
}

async function waitGone(pid: number, stateDir: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isOurs(pid, stateDir)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !isOurs(pid, stateDir);
}

/** Stops one process: SIGTERM to its group, then SIGKILL after `graceMs`. */
export async function stopProcess(
  proc: ManagedProcess,
  stateDir: string,
  graceMs = 10_000,
): Promise<void> {
  if (!isOurs(proc.pid, stateDir)) return;
  signalGroup(proc.pid, 'SIGTERM');
  if (await waitGone(proc.pid, stateDir, graceMs)) return;
  signalGroup(proc.pid, 'SIGKILL');
  if (!(await waitGone(proc.pid, stateDir, 5_000))) {
    throw new Error(`${proc.name} (pid ${proc.pid}) survived SIGKILL`);
  }
}
