/** `useFileResource`: one resource for the tests of a file, started before the first and closed after the last. */
import { describe, expect, it } from "vitest"
import { useFileResource } from "../src/fileResource.ts"

const events: string[] = []

describe("a resource the tests of a file share", () => {
  useFileResource(
    async () => {
      events.push("start")
      return {
        close: async () => {
          events.push("close")
        },
      }
    },
    () => events.push("use"),
  )

  it("is started and handed over before the first test", () => {
    expect(events).toEqual(["start", "use"])
  })

  it("is not started again for the next test", () => {
    expect(events).toEqual(["start", "use"])
  })
})

it("is closed once, after the last test that shares it", () => {
  expect(events).toEqual(["start", "use", "close"])
})
