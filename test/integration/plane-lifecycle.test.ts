/**
 * Starting and stopping a plane is idempotent, every listener is on loopback, only a whole
 * and answering plane counts as running, an aborted start leaves nothing behind, and
 * stopping leaves no process behind. Runs its own planes in temporary directories, beside
 * the shared one of the test run.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { inspectPlane, startPlane, stopPlane, type PlaneStatus } from '../cluster/plane.js';
import { isOurs } from '../cluster/processes.js';
import { toolPath } from '../cluster/tools.js';
import { eventually } from '../support/eventually.js';

interface RecordedState {
  server: string;
  processes: { name: string; pid: number }[];
  complete?: boolean;
}

const recordFile = (stateDir: string) => join(stateDir, 'plane.json');
const readRecord = (stateDir: string) =>
  JSON.parse(readFileSync(recordFile(stateDir), 'utf8')) as RecordedState;

/** Local addresses of the TCP sockets that `pids` listen on, from `ss`. */
function listeningAddresses(pids: number[]): string[] {
  const out = execFileSync('ss', ['-Hltnp'], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => pids.some((pid) => line.includes(`pid=${pid},`)))
    .map((line) => line.trim().split(/\s+/)[3] ?? '');
}

/** Live (not zombie) processes with an argument inside `dir`, read from /proc directly. */
function processesNaming(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const zombie = /\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      if (!zombie && args.some((arg) => arg.includes(`${dir}/`))) found.push(`${pid} ${args[0]}`);
    } catch {
      // Exited while being read.
    }
  }
  return found;
}

/** True once every thread of `pid` is stopped: a SIGSTOP reaches the threads one by one. */
function allThreadsStopped(pid: number): boolean {
  const threads = readdirSync(`/proc/${pid}/task`);
  return threads.every((tid) =>
    /\) [Tt] /.test(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')),
  );
}

const reasonOf = (status: PlaneStatus) => (status.state === 'unhealthy' ? status.reason : '');

const kubectl = (kubeconfig: string, args: string[]) =>
  execFileSync(toolPath('kubectl'), [`--kubeconfig=${kubeconfig}`, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });

describe('a plane in its own state directory', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'mistral-lifecycle-'));
  after(() => stopPlane(stateDir));
  let pids: number[] = [];

  it('starts once and a second start returns the same running plane', async () => {
    const first = await startPlane({ stateDir });
    const state = readRecord(stateDir);
    pids = state.processes.map((p) => p.pid);
    assert.deepEqual(state.processes.map((p) => p.name).sort(), [
      'etcd',
      'kube-apiserver',
      'kube-controller-manager',
      'kube-scheduler',
      'kwok',
    ]);
    assert.equal(state.complete, true);
    const second = await startPlane({ stateDir });
    assert.equal(second.server, first.server);
    assert.ok(pids.every((pid) => isOurs(pid, stateDir)));
    assert.equal((await inspectPlane(stateDir)).state, 'running');
  });

  it('listens on loopback only', () => {
    const addresses = listeningAddresses(pids);
    assert.ok(addresses.length >= 3, `expected etcd, apiserver and kwok listeners: ${addresses}`);
    for (const address of addresses) assert.match(address, /^(127\.\d+\.\d+\.\d+|\[::1\]):\d+$/);
  });

  it('is not running while its API server does not answer, although every process lives', async () => {
    const apiServer = readRecord(stateDir).processes.find((p) => p.name === 'kube-apiserver');
    assert.ok(apiServer);
    // A stopped process stands in for an API server that is shutting down: alive, no answer.
    process.kill(apiServer.pid, 'SIGSTOP');
    try {
      await eventually(() => assert.ok(allThreadsStopped(apiServer.pid)), { timeoutMs: 5_000 });
      const status = await inspectPlane(stateDir);
      assert.equal(status.state, 'unhealthy');
      assert.match(reasonOf(status), /kube-apiserver \/readyz/);
    } finally {
      process.kill(apiServer.pid, 'SIGCONT');
    }
    assert.equal((await inspectPlane(stateDir)).state, 'running');
  });

  const brokenRecords: { name: string; edit: (text: string) => string; reason: RegExp }[] = [
    {
      name: 'a start cut off after the API server recorded only etcd and kube-apiserver',
      edit: (text) => {
        const state = JSON.parse(text) as RecordedState;
        state.processes = state.processes.slice(0, 2);
        return JSON.stringify(state);
      },
      reason: /kube-controller-manager, kube-scheduler, kwok never started/,
    },
    {
      name: 'a recorded pid that now belongs to another process',
      edit: (text) => {
        const state = JSON.parse(text) as RecordedState;
        state.processes = state.processes.map((p) =>
          p.name === 'kwok' ? { ...p, pid: process.pid } : p,
        );
        return JSON.stringify(state);
      },
      reason: /^kwok not running$/,
    },
    {
      name: 'a start that never reached its end',
      edit: (text) => JSON.stringify({ ...(JSON.parse(text) as RecordedState), complete: false }),
      reason: /start-up never finished/,
    },
    {
      name: 'a plane.json cut off mid-write',
      edit: (text) => text.slice(0, 20),
      reason: /unreadable/,
    },
  ];
  for (const { name, edit, reason } of brokenRecords) {
    it(`is not running with ${name}`, async () => {
      const original = readFileSync(recordFile(stateDir), 'utf8');
      writeFileSync(recordFile(stateDir), edit(original));
      try {
        const status = await inspectPlane(stateDir);
        assert.match(reasonOf(status), reason);
      } finally {
        writeFileSync(recordFile(stateDir), original);
      }
    });
  }

  it('is replaced by a fresh plane when unhealthy, stopping even unrecorded processes', async () => {
    const old = readRecord(stateDir);
    kubectl(join(stateDir, 'kubeconfig'), ['create', 'configmap', 'made-in-the-old-plane']);
    writeFileSync(
      recordFile(stateDir),
      JSON.stringify({ ...old, processes: old.processes.slice(0, 2) }),
    );
    const lines: string[] = [];
    const fresh = await startPlane({ stateDir, log: (line) => lines.push(line) });

    assert.match(
      lines[0] ?? '',
      /^the plane in .* was not healthy \(kube-controller-manager, kube-scheduler, kwok never started\); starting a new one — objects of the old plane are gone$/,
    );
    assert.deepEqual(
      old.processes.filter((p) => isOurs(p.pid, stateDir)),
      [],
    );
    pids = readRecord(stateDir).processes.map((p) => p.pid);
    assert.equal(pids.length, 5);
    assert.ok(pids.every((pid) => isOurs(pid, stateDir)));
    assert.throws(
      () => kubectl(fresh.kubeconfig, ['get', 'configmap', 'made-in-the-old-plane']),
      /NotFound/,
    );
  });

  it('stops every process and removes its state, and stopping again is fine', async () => {
    await stopPlane(stateDir);
    // isOurs ignores zombies: an exited child waits for its parent to reap it, harmlessly.
    assert.deepEqual(
      pids.filter((pid) => isOurs(pid, stateDir)),
      [],
    );
    assert.deepEqual(processesNaming(stateDir), []);
    assert.equal(existsSync(stateDir), false);
    assert.deepEqual(await inspectPlane(stateDir), { state: 'absent' });
    await stopPlane(stateDir);
  });
});

describe('an aborted start', () => {
  it('starts nothing when aborted before it begins', async () => {
    const stateDir = join(tmpdir(), `mistral-never-${process.pid}`);
    const reason = new Error('aborted by the test');
    await assert.rejects(startPlane({ stateDir, signal: AbortSignal.abort(reason) }), reason);
    assert.equal(existsSync(stateDir), false);
  });

  it('stops what it started, removes its state and rejects with the reason', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'mistral-aborted-'));
    after(() => stopPlane(stateDir));
    const controller = new AbortController();
    const reason = new Error('aborted by the test');
    let started: RecordedState['processes'] = [];
    const log = (line: string) => {
      if (line !== 'starting etcd and kube-apiserver') return;
      // Half a second on, the start is waiting for the API server: a typical Ctrl-C.
      setTimeout(() => {
        started = readRecord(stateDir).processes;
        controller.abort(reason);
      }, 500);
    };

    await assert.rejects(startPlane({ stateDir, log, signal: controller.signal }), reason);

    assert.deepEqual(
      started.map((p) => p.name),
      ['etcd', 'kube-apiserver'],
    );
    assert.deepEqual(processesNaming(stateDir), []);
    assert.equal(existsSync(stateDir), false);
  });
});
