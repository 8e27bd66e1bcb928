/**
 * Scenario 8, where the time of one refresh goes: our Promise client's `refresh()` with its defaults
 * (Node's HTTP client, memory store, rotation-safe retry), cut into phases at the boundaries a user can
 * observe without touching core: Node's HTTP client (`request` called, response headers in, body
 * ended), the memory store's `save` (wrapped, same store), the `refreshed` event, and the
 * Promise settling. Plain `fetch` sending the same POST is cut at the same points (the global `fetch`
 * wrapped). Interleaved, medians in microseconds.
 *
 * The pure steps that run between two boundaries (validation, request building, decoding, event
 * delivery, a span) are then timed on their own, in CPU microseconds per call, from core's sources.
 */
import * as diagnostics from "node:diagnostics_channel"
import http, { type IncomingMessage } from "node:http"
import https from "node:https"
import { syncBuiltinESMExports } from "node:module"
import { performance } from "node:perf_hooks"
import {
  createTokenClient,
  memoryStore,
  type RefreshRequest,
  resolveRefreshRequest,
  type TokenStoreShape,
} from "@tangoe-token/core"
import { startSimulator } from "@tangoe-token/pingfederate-sim"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Tracer from "effect/Tracer"
// Core's internals, from its sources: the bench is private and measures them in isolation only.
import { makeEmitter } from "../../../../packages/core/src/internal/manager/emitter.ts"
import {
  type SaveNow,
  saveNowOf,
  withSyncStep,
} from "../../../../packages/core/src/internal/store/syncFace.ts"
import { buildTokenRequest } from "../../../../packages/core/src/internal/tokenRequest.ts"
import { interpretResponse } from "../../../../packages/core/src/internal/tokenResponse.ts"
import { plainClient } from "../contenders/clients.ts"
import { type Endpoint, newEndpoint } from "../endpoint.ts"
import { interleave } from "../interleave.ts"
import { round, type ScenarioResult, target } from "../result.ts"
import type { Settings } from "../settings.ts"
import { summarize } from "../stats.ts"

type Mark = "start" | "send" | "headers" | "body" | "saveStart" | "saveEnd" | "event" | "end"

/** The phases of our refresh, between two marks, in order. */
const PHASES: ReadonlyArray<readonly [string, Mark, Mark]> = [
  ["entry: flight, store lock and load, plan, request building", "start", "send"],
  ["transport: request to response headers (loopback exchange and server)", "send", "headers"],
  ["response read (body text)", "headers", "body"],
  ["decode and validate the response, update the state", "body", "saveStart"],
  ["write-ahead save (memory store, compare-and-set)", "saveStart", "saveEnd"],
  ["events (rotationSaved, refreshed)", "saveEnd", "event"],
  ["hand-off to the waiting caller (the flight settles, its Promise resolves)", "event", "end"],
]

/** Plain fetch's phases, cut at the same points. */
const PLAIN_PHASES: ReadonlyArray<readonly [string, Mark, Mark]> = [
  ["entry: URL and parameters", "start", "send"],
  ["transport: fetch to response headers", "send", "headers"],
  ["response read and JSON.parse (`response.json()`)", "headers", "body"],
  ["after the body: keep the tokens, resolve", "body", "end"],
]

/** Where the current refresh stands: the marks of the contender running now. */
let marks: Partial<Record<Mark, number>> = {}
const mark = (m: Mark) => {
  if (marks[m] === undefined) marks[m] = performance.now()
}

/** The global `fetch`, marking when it is called, when headers arrive and when the body is read. */
const probeFetch = (original: typeof fetch): typeof fetch =>
  (async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    mark("send")
    const response = await original(input, init)
    mark("headers")
    const text = response.text.bind(response)
    const json = response.json.bind(response)
    // Own properties over the prototype's methods: the probe sees the read end, the body is unchanged.
    Object.assign(response, {
      text: () =>
        text().then((body) => {
          mark("body")
          return body
        }),
      json: () =>
        json().then((body: unknown) => {
          mark("body")
          return body
        }),
    })
    return response
  }) as typeof fetch

/**
 * Node's HTTP client as a user can observe it: `http.request`/`https.request` wrapped (the call marks the
 * send; `syncBuiltinESMExports` makes ES module importers see the wrapper), and its diagnostics channel
 * for the response headers (published before the `response` event, so the body's `end` listener added
 * here runs before the transport's). Returns the restore.
 */
const probeNodeHttp = (): (() => void) => {
  const modules = [http, https] as const
  const originals = modules.map((m) => m.request)
  for (const m of modules) {
    const original = m.request
    m.request = ((...args: Parameters<typeof http.request>) => {
      mark("send")
      return original(...args)
    }) as typeof http.request
  }
  syncBuiltinESMExports()
  const response = (message: unknown) => {
    mark("headers")
    ;(message as { readonly response: IncomingMessage }).response.once("end", () => mark("body"))
  }
  diagnostics.subscribe("http.client.response.finish", response)
  return () => {
    modules.forEach((m, i) => {
      m.request = originals[i] as typeof http.request
    })
    syncBuiltinESMExports()
    diagnostics.unsubscribe("http.client.response.finish", response)
  }
}

/**
 * The default memory store, with its `save` marked. The manager saves a memory store through the
 * synchronous step its `save` carries (core's `internal/store/syncFace.ts`), so the marked `save`
 * carries the same step, marked: the refresh measured takes the path users' default store takes.
 */
const probeStore = (): TokenStoreShape => {
  const store = memoryStore()
  const saveNow = saveNowOf(store)
  const save: TokenStoreShape["save"] = (next, expected) =>
    Effect.suspend(() => {
      mark("saveStart")
      return store.save(next, expected)
    }).pipe(Effect.tap(() => Effect.sync(() => mark("saveEnd"))))
  if (saveNow !== undefined) {
    const marked: SaveNow = (next, expected, now) => {
      mark("saveStart")
      const result = saveNow(next, expected, now)
      mark("saveEnd")
      return result
    }
    withSyncStep(save, marked)
  }
  return { ...store, save }
}

/** CPU microseconds per call of `f`, the median of `rounds` batches of `batch` calls. */
const microsPerCall = (f: () => void, batch: number, rounds: number): number => {
  const samples: number[] = []
  for (let r = 0; r < rounds + 1; r++) {
    const start = performance.now()
    for (let i = 0; i < batch; i++) f()
    if (r > 0) samples.push(((performance.now() - start) * 1000) / batch)
  }
  return summarize(samples).median
}

const requestOf = (e: Endpoint): RefreshRequest => ({
  environment: { tokenUrl: e.tokenUrl },
  clientId: e.clientId,
  clientSecret: e.clientSecret,
  scope: e.scope,
  refreshToken: e.refreshToken,
})

/** The pure steps on their own. */
const steps = (e: Endpoint, batch: number, rounds: number): Array<readonly [string, number]> => {
  const resolved = resolveRefreshRequest(requestOf(e))
  if (Result.isFailure(resolved)) throw new Error("the endpoint's request does not validate")
  const body = JSON.stringify({
    token_type: "Bearer",
    expires_in: 7200,
    access_token: "a".repeat(40),
    refresh_token: "r".repeat(40),
  })
  const response = { status: 200, headers: { "content-type": "application/json" }, body }
  const context = {
    environment: "qa",
    scope: e.scope,
    refreshToken: Redacted.make("old"),
    sentAt: Date.now(),
    secrets: () => [],
  }
  const emitter = makeEmitter()
  emitter.on("refreshed", () => undefined)
  const event = {
    type: "refreshed" as const,
    at: new Date(),
    expiresAt: new Date(),
    refreshAt: new Date(),
    rotated: true,
    generation: 1,
  }
  const plainEffect = Effect.void
  const spanned = Effect.void.pipe(Effect.withSpan("tangoe.refresh", {}, { captureStackTrace: false }))
  const recording = Tracer.make({ span: (options) => new Tracer.NativeSpan(options) })
  const withTracer = Effect.provideService(spanned, Tracer.Tracer, recording)
  const runtimeBase = microsPerCall(() => Effect.runSync(plainEffect), batch, rounds)
  return [
    [
      "request validation (`resolveRefreshRequest`)",
      microsPerCall(() => resolveRefreshRequest(requestOf(e)), batch, rounds),
    ],
    [
      "request building (URL with parameters)",
      microsPerCall(() => buildTokenRequest(resolved.success, 65536), batch, rounds),
    ],
    [
      "response decoding and validation (`interpretResponse`)",
      microsPerCall(() => interpretResponse(response, context, Date.now()), batch, rounds),
    ],
    ["event delivery to one listener", microsPerCall(() => emitter.emit(event), batch, rounds)],
    [
      "a span with an exporting tracer (none is created without one)",
      Math.max(0, microsPerCall(() => Effect.runSync(withTracer), batch, rounds) - runtimeBase),
    ],
  ]
}

/** Runs the breakdown scenario. */
export const breakdown = async (settings: Settings): Promise<ScenarioResult> => {
  const sim = await startSimulator()
  const original = globalThis.fetch
  const ours = createTokenClient({ ...requestOf(newEndpoint(sim)), store: probeStore() })
  const plain = plainClient(newEndpoint(sim))
  const isolated = newEndpoint(sim)
  let event: number | undefined
  ours.on("refreshed", () => {
    event = performance.now()
  })
  const contenders = [
    { name: "ours", once: () => ours.refresh() },
    { name: "plain", once: () => plain.refresh() },
  ]
  const phases = new Map<string, number[]>()
  const totals = new Map<string, number[]>()
  globalThis.fetch = probeFetch(original)
  const unsubscribe = probeNodeHttp()
  try {
    await interleave(contenders, settings.breakdown, async (c) => {
      marks = {}
      event = undefined
      mark("start")
      await c.once()
      mark("end")
      if (event !== undefined) marks.event = event
      const list = c.name === "ours" ? PHASES : PLAIN_PHASES
      for (const [name, from, to] of list) {
        const a = marks[from]
        const b = marks[to]
        if (a !== undefined && b !== undefined) {
          const key = `${c.name}\u0000${name}`
          phases.set(key, [...(phases.get(key) ?? []), (b - a) * 1000])
        }
      }
      const total = ((marks.end ?? 0) - (marks.start ?? 0)) * 1000
      totals.set(c.name, [...(totals.get(c.name) ?? []), total])
      return total
    })
  } finally {
    globalThis.fetch = original
    unsubscribe()
    await ours.close()
    await sim.close()
  }
  const median = (key: string) => summarize(phases.get(key) ?? []).median
  const oursTotal = summarize(totals.get("ours") ?? []).median
  const plainTotal = summarize(totals.get("plain") ?? []).median
  const rows = [
    ...PHASES.map(([name]) => ({
      contender: "ours",
      phase: name,
      "median µs": round(median(`ours\u0000${name}`)),
    })),
    { contender: "ours", phase: "whole refresh", "median µs": round(oursTotal) },
    ...PLAIN_PHASES.map(([name]) => ({
      contender: "plain fetch",
      phase: name,
      "median µs": round(median(`plain\u0000${name}`)),
    })),
    { contender: "plain fetch", phase: "whole refresh", "median µs": round(plainTotal) },
    ...steps(isolated, settings.breakdown.batch, 5).map(([name, micros]) => ({
      contender: "ours, on its own (CPU)",
      phase: name,
      "median µs": round(micros),
    })),
  ]
  const overhead = oursTotal - plainTotal
  const measured = PHASES.every(([name]) => (phases.get(`ours\u0000${name}`)?.length ?? 0) > 0)
  return {
    id: "breakdown",
    title: "8. Refresh breakdown: where the time of one refresh goes (µs)",
    columns: ["contender", "phase", "median µs"],
    rows,
    targets: [
      target(
        "every phase of our refresh measured",
        measured ? PHASES.length : 0,
        `${PHASES.length} phases`,
        (v) => v === PHASES.length,
        `ours ${round(oursTotal)} µs vs plain fetch ${round(plainTotal)} µs: ${round(overhead)} µs on top (medians of ${settings.breakdown.rounds})`,
      ),
    ],
    facts: {
      phasesMeasured: PHASES.filter(([name]) => (phases.get(`ours\u0000${name}`)?.length ?? 0) > 0).length,
      samplesPerPhase: Math.min(...PHASES.map(([name]) => phases.get(`ours\u0000${name}`)?.length ?? 0)),
    },
    notes: [
      "Phases are cut where a user can observe them: Node's HTTP client for ours (core's default transport: `request` wrapped, the response through its diagnostics channel), the global fetch (wrapped) for plain fetch, the memory store's save (wrapped), the refreshed event and the Promise settling; the phases sum to the whole refresh.",
      "The last rows time core's pure steps alone (from its sources), in CPU µs per call; they run inside the entry and decode phases.",
      "The simulator runs in the same process: the transport phase includes its handling of the request.",
    ],
  }
}
