// SPDX-License-Identifier: MIT
// The ICE consent clock (RFC 7675) on its own, driven by mock timers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IceConsent } from '../../lib/ice-consent.js';

test('IceConsent expires once, timeoutMs after the last refresh', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let expired = 0;
  const consent = new IceConsent(1000, () => expired++);
  assert.equal(consent.running, false);
  consent.refresh();
  assert.equal(consent.running, true);
  t.mock.timers.tick(999);
  assert.equal(expired, 0);
  t.mock.timers.tick(1);
  assert.equal(expired, 1);
  assert.equal(consent.running, false);
  t.mock.timers.tick(10_000);
  assert.equal(expired, 1, 'fires once, not periodically');
});

test('IceConsent.refresh restarts the clock with the full timeout', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let expired = 0;
  const consent = new IceConsent(1000, () => expired++);
  consent.refresh();
  t.mock.timers.tick(800);
  consent.refresh();
  t.mock.timers.tick(800);
  assert.equal(expired, 0, 'a refresh at 800 ms moves the expiry to 1800 ms');
  t.mock.timers.tick(199);
  assert.equal(expired, 0);
  t.mock.timers.tick(1);
  assert.equal(expired, 1);
  // After expiry, a new check starts a new clock.
  consent.refresh();
  t.mock.timers.tick(1000);
  assert.equal(expired, 2);
});

test('IceConsent.stop disarms the clock; stop is idempotent', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let expired = 0;
  const consent = new IceConsent(1000, () => expired++);
  consent.stop();
  consent.refresh();
  t.mock.timers.tick(500);
  consent.stop();
  consent.stop();
  assert.equal(consent.running, false);
  t.mock.timers.tick(5000);
  assert.equal(expired, 0);
});

test('IceConsent with timeout 0 is disabled: refresh arms nothing', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let expired = 0;
  const consent = new IceConsent(0, () => expired++);
  consent.refresh();
  assert.equal(consent.running, false);
  assert.equal(consent.timeoutMs, 0);
  t.mock.timers.tick(3_600_000);
  assert.equal(expired, 0);
});

test('IceConsent unrefs its timer so that it never keeps the process alive', () => {
  const consent = new IceConsent(60_000, () => undefined);
  const realSetTimeout = globalThis.setTimeout;
  let timer: ReturnType<typeof setTimeout> | undefined;
  globalThis.setTimeout = ((fn: () => void, ms: number) => {
    timer = realSetTimeout(fn, ms);
    return timer;
  }) as typeof setTimeout;
  try {
    consent.refresh();
  } finally {
    globalThis.setTimeout = realSetTimeout;
  }
  assert.ok(timer !== undefined);
  assert.equal(timer.hasRef(), false);
  consent.stop();
});
