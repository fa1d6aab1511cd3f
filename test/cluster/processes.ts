/**
 * Starting and stopping the plane's processes so that none outlives `cluster:down`, and
 * turning Ctrl-C into an orderly stop for the commands that start them.
 *
 * Each process runs in its own process group with its output in a log file of the state
 * directory. Its pid is recorded there, and a pid is only ever signalled while its command
 * line still names the state directory, so a recycled pid of an unrelated process is safe.
 * Because each has its own group, a Ctrl-C in the terminal never reaches them: whoever
 * started them has to stop them, which {@link abortOnInterrupt} makes possible.
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { setImmediate as nextLoopTurn } from 'node:timers/promises';

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

/** The arguments of a live process, or undefined when it is gone or a zombie. */
function liveArguments(pid: number): string[] | undefined {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // A zombie keeps its command line until reaped but is already gone for our purposes.
    if (/\) Z /.test(state)) return undefined;
    return cmdline.split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

/**
 * True when an argument names a path inside `stateDir`. A plain substring test would take
 * `/repo/.cluster-test/etcd` for a path of `/repo/.cluster`.
 */
function namesStateDir(args: string[], stateDir: string): boolean {
  const inside = join(stateDir, '/');
  return args.some((arg) => arg.includes(inside));
}

/** True while `pid` is alive and still one of the processes of `stateDir`. */
export function isOurs(pid: number, stateDir: string): boolean {
  const args = liveArguments(pid);
  return args !== undefined && namesStateDir(args, stateDir);
}

/**
 * Live processes running one of `commands` (full paths) with arguments inside `stateDir`,
 * whether recorded or not: a start cut off between spawning and recording, or a plane.json
 * lost or rewritten, must not leave them running. Reads /proc, like {@link isOurs}.
 */
export function findProcesses(stateDir: string, commands: string[]): ManagedProcess[] {
  const found: ManagedProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const args = liveArguments(pid);
    const command = args?.[0];
    if (!args || !command || !commands.includes(command)) continue;
    if (namesStateDir(args, stateDir)) found.push({ name: basename(command), pid });
  }
  return found;
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

/** Exit status of a command stopped by Ctrl-C (128 + SIGINT), used for SIGTERM too. */
export const interruptedExitCode = 130;

/**
 * From the call on, SIGINT and SIGTERM no longer end the process at once: they abort the
 * returned signal, and the caller stops what it started (the plane, the operator) and then
 * exits with {@link interruptedExitCode}. Call it first thing in a command, before anything
 * is started. A repeated signal is only acknowledged: every cleanup step is bounded, and
 * exiting in the middle of one is what leaves processes behind.
 */
export function abortOnInterrupt(log: (line: string) => void = console.error): AbortSignal {
  const controller = new AbortController();
  let abortedAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // tsx passes a Ctrl-C on to the process that already got it from the terminal.
    if (controller.signal.aborted) {
      if (Date.now() - abortedAt > 1_000) log(`${signal}: still cleaning up, please wait`);
      return;
    }
    abortedAt = Date.now();
    log(`${signal}: stopping everything this command started`);
    const reason = new Error(`interrupted by ${signal}`);
    reason.name = 'AbortError';
    controller.abort(reason);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}

/**
 * True when `signal` is aborted, counting a SIGINT or SIGTERM that arrived while the process
 * was blocked in a synchronous call (openssl, say) whose handler has not run yet: the same
 * Ctrl-C kills that child, and its failure must read as the interruption it is. Node runs
 * signal handlers when the event loop polls for I/O, and the poll of the current turn may be
 * over, so this lets two turns pass.
 */
export async function isAborted(signal: AbortSignal): Promise<boolean> {
  await nextLoopTurn();
  await nextLoopTurn();
  return signal.aborted;
}
