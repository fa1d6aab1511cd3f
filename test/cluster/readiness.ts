/**
 * Bounded waits for the plane's start-up: each one polls at a fixed interval, gives up at a
 * deadline, and says what it was waiting for when it does.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import type { Pki } from './pki.js';

const pollIntervalMs = 250;

/** Polls `ready` until it returns true; throws after `timeoutMs`. */
export async function waitFor(
  what: string,
  timeoutMs: number,
  ready: () => boolean | Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ready()) return;
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
  }
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
}

function readyz(server: string, pki: Pki): Promise<boolean> {
  const { cert, key } = pki.clients.admin;
  return new Promise((resolve) => {
    const req = request(`${server}/readyz`, {
      ca: readFileSync(pki.caCert),
      cert: readFileSync(cert),
      key: readFileSync(key),
      timeout: 2_000,
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/**
 * Waits until the API server's `/readyz` answers 200. `failure` is asked on every poll and
 * ends the wait early with its message when a component has died.
 */
export async function waitForApiServer(
  server: string,
  pki: Pki,
  timeoutMs: number,
  failure: () => string | undefined,
): Promise<void> {
  await waitFor('kube-apiserver /readyz', timeoutMs, async () => {
    const failed = failure();
    if (failed) throw new Error(failed);
    return readyz(server, pki);
  });
}
