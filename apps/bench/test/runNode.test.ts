/** The bench's child-process runner reports a timeout as a timeout, and a failed exit with its output. */
import { describe, expect, it } from "vitest"
import { ChildProcessError, runNode } from "../src/runNode.ts"

const failureOf = (promise: Promise<unknown>): Promise<ChildProcessError> =>
  promise.then(
    () => {
      throw new Error("expected the child to fail")
    },
    (error: unknown) => error as ChildProcessError,
  )

describe("runNode", () => {
  it("resolves with the output of a child that exits 0", async () => {
    const { stdout } = await runNode(
      ["-e", "process.stdout.write(require('node:fs').readFileSync(0, 'utf8'))"],
      {
        what: "echo",
        boundMillis: 5 * 60_000,
        input: "hello",
      },
    )
    expect(stdout).toBe("hello")
  })

  it("a child that outlives its bound is killed and reported as a timeout, with its name and the bound", async () => {
    const error = await failureOf(
      runNode(["-e", "setInterval(() => {}, 1000)"], { what: "a hang", boundMillis: 300 }),
    )
    expect(error).toBeInstanceOf(ChildProcessError)
    expect(error.failure.reason).toBe("timeout")
    expect(error.failure.signal).toBe("SIGKILL")
    expect(error.message).toMatch(/^a hang timed out after 0\.3 s and was killed; output so far:/)
  })

  it("a child that exits non-zero is reported with its code and everything it printed", async () => {
    const script = "console.log('some output'); console.error('a complaint'); process.exit(3)"
    const error = await failureOf(runNode(["-e", script], { what: "a failure", boundMillis: 5 * 60_000 }))
    expect(error.failure.reason).toBe("exit")
    expect(error.failure.code).toBe(3)
    expect(error.message).toMatch(/^a failure exited with 3; output so far:/)
    expect(error.message).toContain("some output")
    expect(error.message).toContain("a complaint")
  })
})
