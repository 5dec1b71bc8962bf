// SPDX-License-Identifier: MIT
// DtlsTransport's role check (validate.ts checkOneOf, which now builds its
// message only on failure): the codes and the listed choices are unchanged.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { DtlsTransport, type DtlsRole } from '../../lib/index.js';
import { cert } from '../integration/pair.js';

test("DtlsTransport role: 'client' and 'server' pass; anything else names both choices", async () => {
  const certificate = await cert('ecdsa-p256', 0);
  const send = (): void => undefined;
  for (const role of ['client', 'server'] as const) new DtlsTransport({ certificate, role, send }).close();
  assert.throws(() => new DtlsTransport({ certificate, role: 'actpass' as unknown as DtlsRole, send }), {
    name: 'TypeError',
    code: 'ERR_INVALID_ARG_VALUE',
    message: /'client', 'server'/,
  });
  assert.throws(() => new DtlsTransport({ certificate, role: 7 as unknown as DtlsRole, send }), {
    name: 'TypeError',
    code: 'ERR_INVALID_ARG_TYPE',
    message: /'client', 'server'/,
  });
});
