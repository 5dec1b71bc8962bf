// SPDX-License-Identifier: MIT
/**
 * Diagnostics: the `NODE_DEBUG=dtls-srtp` log (`util.debuglog`) and the
 * `diagnostics_channel` channels for APM tools. Both cost nothing unless
 * enabled: the log's switch is read once when this module loads, and a
 * channel message is built only while the channel has subscribers.
 *
 * Channels (each message is one plain object; `transport` is the object the
 * application made: a `DtlsSrtpTransport`'s inner DTLS association reports
 * as that transport):
 * - `dtls-srtp:transport:created` `{ transport, kind, role }` (role `'auto'` while a DtlsSrtpTransport waits for `connect()`)
 * - `dtls-srtp:handshake:start` `{ transport, role }`
 * - `dtls-srtp:handshake:complete` `{ transport, role, durationMs, srtpProfile, cipherSuite }`
 * - `dtls-srtp:handshake:fail` `{ transport, role, durationMs, error, code, hint }` (closed
 *   before it connected: the owner's error, else `code` `ERR_INVALID_STATE`)
 * - `dtls-srtp:state` `{ transport, kind, state }`
 * - `dtls-srtp:consent:expired` `{ transport, timeoutMs }`
 *
 * `kind` is `'DtlsTransport'` or `'DtlsSrtpTransport'`; `durationMs` runs
 * from the handshake's start (`start()`) to its end.
 * @internal
 * @packageDocumentation
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import { debuglog } from 'node:util';
import { DtlsError, type DtlsHandshakeHint, type DtlsSrtpError } from './errors.js';
import { alertName, describeDatagram } from './handshake-hint.js';

const log = debuglog('dtls-srtp');

/** `NODE_DEBUG` names `dtls-srtp`: read once, at load. */
export const debugEnabled: boolean = log.enabled;

/** The channel names (public: README "Diagnostics"). */
export const CHANNEL_NAMES = {
  transportCreated: 'dtls-srtp:transport:created',
  handshakeStart: 'dtls-srtp:handshake:start',
  handshakeComplete: 'dtls-srtp:handshake:complete',
  handshakeFail: 'dtls-srtp:handshake:fail',
  state: 'dtls-srtp:state',
  consentExpired: 'dtls-srtp:consent:expired',
} as const;

const transportCreated = diagnosticsChannel.channel(CHANNEL_NAMES.transportCreated);
const handshakeStart = diagnosticsChannel.channel(CHANNEL_NAMES.handshakeStart);
const handshakeComplete = diagnosticsChannel.channel(CHANNEL_NAMES.handshakeComplete);
const handshakeFail = diagnosticsChannel.channel(CHANNEL_NAMES.handshakeFail);
const stateChannel = diagnosticsChannel.channel(CHANNEL_NAMES.state);
const consentExpired = diagnosticsChannel.channel(CHANNEL_NAMES.consentExpired);

export type TransportKind = 'DtlsTransport' | 'DtlsSrtpTransport';

/** What diagnostics read from a DTLS association (DtlsTransport's public getters). */
export interface ObservedDtls {
  readonly role: 'client' | 'server';
  readonly error: DtlsError | undefined;
  readonly srtpProfile: string | undefined;
  readonly cipherSuite: string | undefined;
}

/** Per transport, only once diagnostics are on: a short id for log lines, the handshake's start. */
interface Tracked {
  id: number;
  startedAt: number | undefined;
  /** The last alerts logged (a step reports the last alert of the association). */
  sentAlert: number | undefined;
  receivedAlert: number | undefined;
  status: number | undefined;
}
const tracked = new WeakMap<object, Tracked>();
/** The `DtlsSrtpTransport` that runs each inner `DtlsTransport` (noted always: no object per transport). */
const owners = new WeakMap<object, object>();
let nextId = 1;

function track(transport: object): Tracked {
  let entry = tracked.get(transport);
  if (entry === undefined) {
    entry = { id: nextId++, startedAt: undefined, sentAlert: undefined, receivedAlert: undefined, status: undefined };
    tracked.set(transport, entry);
  }
  return entry;
}

function handshakeWatched(): boolean {
  return debugEnabled || handshakeStart.hasSubscribers || handshakeComplete.hasSubscribers || handshakeFail.hasSubscribers;
}

/** One `NODE_DEBUG=dtls-srtp` line about a transport (the caller checks `debugEnabled`). */
export function debug(transport: object, text: string): void {
  const entry = track(transport);
  const owner = owners.get(transport);
  log('#%d %s', owner === undefined ? entry.id : track(owner).id, text);
}

/**
 * A transport was made. `inner` is the `DtlsTransport` a `DtlsSrtpTransport`
 * runs, whose handshake then reports as `transport`.
 */
export function transportMade(transport: object, kind: TransportKind, role: 'client' | 'server' | 'auto', inner?: object): void {
  if (inner !== undefined) innerTransport(transport, inner);
  if (debugEnabled) log('#%d %s created, role %s', track(transport).id, kind, role);
  if (transportCreated.hasSubscribers) transportCreated.publish({ transport, kind, role });
}

/**
 * `inner` is the `DtlsTransport` that `transport` (a `DtlsSrtpTransport`) runs
 * from now on: its handshake reports as `transport`. Noted always (once per
 * inner transport), so that a subscriber that comes later still sees the
 * transport the application made.
 */
export function innerTransport(transport: object, inner: object): void {
  owners.set(inner, transport);
}

/** A state change of a transport the application made (not of a `DtlsSrtpTransport`'s inner DTLS). */
export function stateChanged(transport: object, kind: TransportKind, state: string): void {
  if (debugEnabled) debug(transport, `${kind} state ${state}`);
  if (stateChannel.hasSubscribers) stateChannel.publish({ transport, kind, state });
}

/**
 * A state change of a DTLS association: the handshake channels, and the
 * state channel unless a `DtlsSrtpTransport` owns it (that reports its own).
 */
export function dtlsStateChanged(dtls: ObservedDtls & object, state: string): void {
  if (!debugEnabled && !stateChannel.hasSubscribers && !handshakeWatched()) return;
  const entry = tracked.get(dtls);
  const owner = owners.get(dtls);
  const transport = owner ?? dtls;
  if (owner === undefined) stateChanged(dtls, 'DtlsTransport', state);
  if (state === 'connecting') {
    if (!handshakeWatched()) return;
    track(dtls).startedAt = performance.now();
    if (debugEnabled) debug(dtls, `handshake start as DTLS ${dtls.role}`);
    if (handshakeStart.hasSubscribers) handshakeStart.publish({ transport, role: dtls.role });
    return;
  }
  const startedAt = entry?.startedAt;
  if (startedAt === undefined) return;
  if (state !== 'connected' && state !== 'failed' && state !== 'closed') return;
  (entry as Tracked).startedAt = undefined;
  const durationMs = performance.now() - startedAt;
  if (state === 'connected') {
    if (debugEnabled) {
      debug(dtls, `handshake complete in ${durationMs.toFixed(1)} ms: SRTP profile ${dtls.srtpProfile ?? '-'}, cipher ${dtls.cipherSuite ?? '-'}`);
    }
    if (handshakeComplete.hasSubscribers) {
      handshakeComplete.publish({ transport, role: dtls.role, durationMs, srtpProfile: dtls.srtpProfile, cipherSuite: dtls.cipherSuite });
    }
    return;
  }
  // Closed before it connected: the owner may know why (ICE consent expired).
  const error = dtls.error ?? (transport as { error?: DtlsSrtpError }).error;
  const code = error?.code ?? 'ERR_INVALID_STATE';
  const hint: DtlsHandshakeHint | undefined = error instanceof DtlsError ? error.hint : undefined;
  if (debugEnabled) debug(dtls, `handshake ${state} after ${durationMs.toFixed(1)} ms: ${code}${error === undefined ? '' : ` (${error.message})`}`);
  if (handshakeFail.hasSubscribers) handshakeFail.publish({ transport, role: dtls.role, durationMs, error, code, hint });
}

const STATUS_NAMES = ['new', 'handshaking', 'waiting for the remote fingerprints', 'connected', 'closed', 'failed'];

/**
 * One native step of a DTLS association: datagrams sent, status changes,
 * alerts sent and received. The caller checks `debugEnabled`.
 */
export function debugStep(
  dtls: object,
  what: string,
  step: { status: number; datagrams: readonly Uint8Array[]; sentAlert?: number; receivedAlert?: number },
): void {
  const entry = track(dtls);
  const parts: string[] = [];
  if (step.datagrams.length > 0) {
    parts.push(`sent ${step.datagrams.map((d) => describeDatagram(d)).join(' + ')}`);
  }
  if (entry.status !== step.status) parts.push(`status ${STATUS_NAMES[step.status] ?? String(step.status)}`);
  if (step.sentAlert !== undefined && step.sentAlert !== entry.sentAlert) parts.push(`alert sent: ${alertName(step.sentAlert)}`);
  if (step.receivedAlert !== undefined && step.receivedAlert !== entry.receivedAlert) {
    parts.push(`alert received: ${alertName(step.receivedAlert)}`);
  }
  entry.status = step.status;
  entry.sentAlert = step.sentAlert;
  entry.receivedAlert = step.receivedAlert;
  if (parts.length > 0) debug(dtls, `${what}: ${parts.join('; ')}`);
}

/** A datagram given to a DTLS association during its handshake. The caller checks `debugEnabled`. */
export function debugReceived(dtls: object, datagram: Uint8Array): void {
  debug(dtls, `received ${describeDatagram(datagram)}`);
}

/** A path was selected (ICE or the first DTLS from a validated source). The caller checks `debugEnabled`. */
export function debugPath(transport: object, address: string, port: number, why: string): void {
  debug(transport, `path selected: ${address.includes(':') ? `[${address}]` : address}:${port} (${why})`);
}

/** ICE consent expired on a transport. */
export function consentExpiredOn(transport: object, timeoutMs: number): void {
  if (debugEnabled) debug(transport, `ICE consent expired: no authenticated check within ${timeoutMs} ms`);
  if (consentExpired.hasSubscribers) consentExpired.publish({ transport, timeoutMs });
}

// ---- Drops, rate-limited per reason ----

/** Lines per reason per window; the rest are counted and reported later. */
const DROP_LINES_PER_WINDOW = 5;
const DROP_WINDOW_MS = 1000;

interface DropLog {
  windowStart: number;
  lines: number;
  suppressed: number;
}
const dropLogs = new Map<string, DropLog>();
let exitHooked = false;

function reportSuppressedAtExit(): void {
  for (const [reason, entry] of dropLogs) {
    if (entry.suppressed > 0) log('drop %s: %d more suppressed', reason, entry.suppressed);
    entry.suppressed = 0;
  }
}

/**
 * A datagram dropped for `reason` from `address`:`port`: at most
 * {@link DROP_LINES_PER_WINDOW} lines per reason per second; the next line
 * after a window (or the process's exit) says how many were suppressed.
 * The caller checks `debugEnabled`.
 */
export function debugDrop(reason: string, address: string, port: number): void {
  const now = Date.now();
  let entry = dropLogs.get(reason);
  if (entry === undefined) {
    entry = { windowStart: now, lines: 0, suppressed: 0 };
    dropLogs.set(reason, entry);
    if (!exitHooked) {
      exitHooked = true;
      process.on('exit', reportSuppressedAtExit);
    }
  }
  if (now - entry.windowStart >= DROP_WINDOW_MS) {
    entry.windowStart = now;
    entry.lines = 0;
  }
  if (entry.lines >= DROP_LINES_PER_WINDOW) {
    entry.suppressed++;
    return;
  }
  entry.lines++;
  const suppressed = entry.suppressed;
  entry.suppressed = 0;
  const from = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
  if (suppressed > 0) log('drop %s from %s (%d more suppressed before)', reason, from, suppressed);
  else log('drop %s from %s', reason, from);
}
