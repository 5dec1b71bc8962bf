// SPDX-License-Identifier: MIT
/**
 * How the transports call their event listeners.
 *
 * A transport emits from the middle of its own work: inside `receive()`,
 * inside a timer, between settling `start()` and arming the next
 * retransmission. A listener that throws must not be able to stop that work
 * halfway (a pending `start()` forever, a timer not re-armed, the rest of a
 * flight's records dropped), and a listener that closes the transport must
 * not make the transport tell the remaining listeners something that is no
 * longer true.
 *
 * Policy:
 * - each listener is called on its own; one that throws does not keep the
 *   others from being called, and the transport carries on;
 * - the exception is not swallowed: it is re-thrown on the next tick of the
 *   event loop (`process.nextTick`), so it surfaces as an
 *   `'uncaughtException'` — what the same bug in any other asynchronous
 *   callback does in Node. An application that handles
 *   `'uncaughtException'` keeps a consistent transport;
 * - before each listener, `live()` is asked whether the event is still true
 *   (e.g. the state is still `'connected'`); once a listener closed the
 *   transport, the remaining listeners of that event are skipped.
 * @internal
 * @packageDocumentation
 */
import type { EventEmitter } from 'node:events';

/**
 * Re-throws an exception of application code (a listener, a callback) on the
 * next tick, so that it surfaces as an `'uncaughtException'` without leaving
 * the transport's own work half done.
 * @internal
 */
export function rethrowLater(err: unknown): void {
  process.nextTick(() => {
    throw err;
  });
}

/**
 * Calls the listeners of `event` with `args`, isolating each (see the module
 * policy). With one listener this is exactly `emitter.emit`; with several,
 * `live()` is checked before each one.
 * @param emitter - the transport
 * @param event - the event name
 * @param args - the event's arguments
 * @param live - whether the event still holds (checked before each listener when there are several)
 * @internal
 */
export function safeEmit(emitter: EventEmitter, event: string, args: readonly unknown[], live: () => boolean): void {
  if (emitter.listenerCount(event) <= 1) {
    try {
      emitter.emit(event, ...args);
    } catch (err) {
      rethrowLater(err);
    }
    return;
  }
  // rawListeners: a once() wrapper removes itself when called, as in emit().
  const listeners = emitter.rawListeners(event) as ((...a: unknown[]) => unknown)[];
  for (const listener of listeners) {
    if (!live()) return;
    try {
      listener.apply(emitter, args as unknown[]);
    } catch (err) {
      rethrowLater(err);
    }
  }
}
