/**
 * The waiting room of the `hold` fault: token requests parked until enough of them are held (a
 * barrier) or a test releases them, oldest first. Tests force an interleaving with it instead of a
 * delay: "both refreshes reached the server before either was answered" becomes certain.
 */

/** Requests held by `hold` faults, in arrival order. */
export class Holds {
  #held: Array<(released: boolean) => void> = []
  #waiters: Array<{
    readonly count: number
    readonly resolve: () => void
    readonly reject: (e: Error) => void
  }> = []
  #closed = false

  /** How many requests are held right now. */
  get count(): number {
    return this.#held.length
  }

  /**
   * Holds one request. Resolves true when it is released, false when the simulator closed meanwhile.
   * With `until`, every held request is released once `until` of them are held (this one included).
   */
  hold(until: number | undefined): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false)
    const released = new Promise<boolean>((resolve) => this.#held.push(resolve))
    this.#wakeWaiters()
    if (until !== undefined && this.#held.length >= until) this.release()
    return released
  }

  /** Releases the `count` oldest held requests (all by default); returns how many it released. */
  release(count = Number.POSITIVE_INFINITY): number {
    const released = this.#held.splice(0, count)
    for (const resume of released) resume(true)
    return released.length
  }

  /** Resolves once at least `count` requests are held at the same time. */
  whenHeld(count: number): Promise<void> {
    if (this.#held.length >= count) return Promise.resolve()
    if (this.#closed)
      return Promise.reject(new Error(`the simulator closed before ${count} requests were held`))
    return new Promise((resolve, reject) => this.#waiters.push({ count, resolve, reject }))
  }

  /** Ends every hold (the requests are dropped) and every wait. */
  close(): void {
    this.#closed = true
    for (const resume of this.#held.splice(0)) resume(false)
    for (const waiter of this.#waiters.splice(0)) {
      waiter.reject(new Error(`the simulator closed before ${waiter.count} requests were held`))
    }
  }

  #wakeWaiters(): void {
    const held = this.#held.length
    this.#waiters = this.#waiters.filter((waiter) => {
      if (held < waiter.count) return true
      waiter.resolve()
      return false
    })
  }
}
