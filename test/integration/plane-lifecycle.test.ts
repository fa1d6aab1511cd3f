/**
 * Starting and stopping a plane is idempotent, every listener is on loopback, and stopping
 * leaves no process behind. Runs its own plane in a temporary directory, beside the shared
 * one of the test run.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runningPlane, startPlane, stopPlane } from '../cluster/plane.js';
import { isOurs } from '../cluster/processes.js';

interface RecordedState {
  processes: { name: string; pid: number }[];
}

/** Local addresses of the TCP sockets that `pids` listen on, from `ss`. */
function listeningAddresses(pids: number[]): string[] {
  const out = execFileSync('ss', ['-Hltnp'], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => pids.some((pid) => line.includes(`pid=${pid},`)))
    .map((line) => line.trim().split(/\s+/)[3] ?? '');
}

describe('a plane in its own state directory', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'mistral-lifecycle-'));
  after(() => stopPlane(stateDir));
  let pids: number[] = [];

  it('starts once and a second start returns the same running plane', async () => {
    const first = await startPlane({ stateDir });
    const state = JSON.parse(readFileSync(join(stateDir, 'plane.json'), 'utf8')) as RecordedState;
    pids = state.processes.map((p) => p.pid);
    assert.deepEqual(state.processes.map((p) => p.name).sort(), [
      'etcd',
      'kube-apiserver',
      'kube-controller-manager',
      'kube-scheduler',
      'kwok',
    ]);
    const second = await startPlane({ stateDir });
    assert.equal(second.server, first.server);
    assert.ok(pids.every((pid) => isOurs(pid, stateDir)));
  });

  it('listens on loopback only', () => {
    const addresses = listeningAddresses(pids);
    assert.ok(addresses.length >= 3, `expected etcd, apiserver and kwok listeners: ${addresses}`);
    for (const address of addresses) assert.match(address, /^(127\.\d+\.\d+\.\d+|\[::1\]):\d+$/);
  });

  it('stops every process and removes its state, and stopping again is fine', async () => {
    await stopPlane(stateDir);
    // isOurs ignores zombies: an exited child waits for its parent to reap it, harmlessly.
    assert.deepEqual(
      pids.filter((pid) => isOurs(pid, stateDir)),
      [],
    );
    assert.equal(existsSync(stateDir), false);
    assert.equal(runningPlane(stateDir), undefined);
    await stopPlane(stateDir);
  });
});
