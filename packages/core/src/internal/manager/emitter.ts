/**
 * The listener registry behind `subscribe` / `on`: synchronous delivery, listener errors swallowed
 * (a listener can never break a refresh).
 *
 * @internal
 */
import type { TokenEvent, TokenEventListener, TokenEventType } from "../../TokenEvents.ts"

/** A set of listeners, all events or one type. */
export interface Emitter {
  readonly emit: (event: TokenEvent) => void
  /** Whether any listener is registered (an event nobody hears need not be built). */
  readonly listening: () => boolean
  readonly subscribe: (listener: (event: TokenEvent) => void) => () => void
  readonly on: <T extends TokenEventType>(type: T, listener: TokenEventListener<T>) => () => void
  readonly clear: () => void
}

export const makeEmitter = (): Emitter => {
  const listeners = new Set<(event: TokenEvent) => void>()
  const subscribe = (listener: (event: TokenEvent) => void) => {
    // Wrap so that the same function subscribed twice gets two independent subscriptions.
    const entry = (event: TokenEvent) => listener(event)
    listeners.add(entry)
    return () => {
      listeners.delete(entry)
    }
  }
  return {
    emit: (event) => {
      if (listeners.size === 0) return
      for (const listener of [...listeners]) {
        try {
          listener(event)
        } catch {
          // A listener's failure is its own: the manager carries on.
        }
      }
    },
    listening: () => listeners.size > 0,
    subscribe,
    on: (type, listener) =>
      subscribe((event) => {
        if (event.type === type) (listener as (event: TokenEvent) => void)(event)
      }),
    clear: () => listeners.clear(),
  }
}
