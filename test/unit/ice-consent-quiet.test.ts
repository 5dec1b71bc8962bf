// SPDX-License-Identifier: MIT
// The consent clock's earlier "quiet" threshold (ICE disconnected), driven by mock timers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IceConsent } from '../../lib/ice-consent.js';

test('IceConsent quiet threshold: onQuiet once per quiet spell, before expiry; refresh starts over', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const log: string[] = [];
  const consent = new IceConsent(10_000, () => log.push('expired'), { timeoutMs: 6000, onQuiet: () => log.push('quiet') });
  assert.equal(consent.quietTimeoutMs, 6000);
  consent.refresh();
  t.mock.timers.tick(5999);
  assert.deepEqual(log, []);
  t.mock.timers.tick(1);
  assert.deepEqual(log, ['quiet']);
  consent.refresh();
  t.mock.timers.tick(6000);
  assert.deepEqual(log, ['quiet', 'quiet']);
  t.mock.timers.tick(4000);
  assert.deepEqual(log, ['quiet', 'quiet', 'expired']);
  t.mock.timers.tick(60_000);
  assert.deepEqual(log, ['quiet', 'quiet', 'expired']);
});

test('IceConsent: the quiet threshold runs with consent disabled; stop() disarms both; 0 disables quiet', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const log: string[] = [];
  const quietOnly = new IceConsent(0, () => log.push('expired'), { timeoutMs: 6000, onQuiet: () => log.push('quiet') });
  quietOnly.refresh();
  assert.equal(quietOnly.running, false);
  t.mock.timers.tick(6000);
  assert.deepEqual(log, ['quiet']);
  quietOnly.refresh();
  quietOnly.stop();
  t.mock.timers.tick(60_000);
  assert.deepEqual(log, ['quiet']);
  const none = new IceConsent(10_000, () => log.push('expired'), { timeoutMs: 0, onQuiet: () => log.push('quiet') });
  assert.equal(none.quietTimeoutMs, 0);
  none.refresh();
  t.mock.timers.tick(10_000);
  assert.deepEqual(log, ['quiet', 'expired']);
});
