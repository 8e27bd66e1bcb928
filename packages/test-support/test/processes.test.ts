/** `runProcess`: output, exit code, signal, input, and a time limit reported as a time limit. */
import { describe, expect, it } from "vitest"
import { describeEnd, runProcess, startProcess, tail } from "../src/processes.ts"

const node = (script: string, options: Parameters<typeof runProcess>[2] = {}) =>
  runProcess(process.execPath, ["-e", script], options)

describe("runProcess", () => {
  it("collects stdout and stderr and resolves with the exit code", async () => {
    const result = await node(`process.stdout.write("out"); process.stderr.write("err"); process.exit(3)`)
    expect(result).toMatchObject({ code: 3, signal: null, stdout: "out", stderr: "err", timedOut: false })
    expect(describeEnd(result)).toBe("exited with 3")
  })

  it("writes the input to stdin and closes it", async () => {
    const result = await node(
      `let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(s.toUpperCase()))`,
      { input: "hello" },
    )
    expect(result).toMatchObject({ code: 0, stdout: "HELLO\n" })
  })

  it("reports a signal as a signal", async () => {
    const result = await node(`process.kill(process.pid, "SIGTERM")`)
    expect(result).toMatchObject({ code: null, signal: "SIGTERM", timedOut: false })
    expect(describeEnd(result)).toBe("was killed by SIGTERM")
  })

  it("kills a command that runs past its time limit and says so", async () => {
    // It never ends by itself, so the limit is what ends it, however slow the machine.
    const result = await node(`setInterval(() => {}, 1000)`, { timeoutMs: 300 })
    expect(result).toMatchObject({ code: null, signal: "SIGKILL", timedOut: true })
    expect(describeEnd(result)).toBe("was killed at its time limit")
  })

  it("with group, kills the grandchildren too", async () => {
    // The child starts a grandchild that prints its pid and lives on; the group kill must reach it.
    // The limit only has to outlast two Node start-ups (so the pid is printed before the kill).
    const result = await node(
      `const c = require("node:child_process").spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" }); console.log(c.pid); setInterval(() => {}, 1000)`,
      { timeoutMs: 10_000, group: true },
    )
    expect(result.timedOut).toBe(true)
    const grandchild = Number(result.stdout.trim())
    expect(grandchild).toBeGreaterThan(0)
    // process.kill(pid, 0) throws ESRCH once the process is gone; a zombie is reaped by init.
    await expect
      .poll(
        () => {
          try {
            process.kill(grandchild, 0)
            return "alive"
          } catch {
            return "gone"
          }
        },
        { timeout: 10_000 },
      )
      .toBe("gone")
  })

  it("rejects when the command cannot be started", async () => {
    await expect(runProcess("/nonexistent/command", [])).rejects.toMatchObject({ code: "ENOENT" })
  })
})

describe("tail", () => {
  it("keeps the end of long output", () => {
    expect(tail("abcdef", 3)).toBe("…def")
    expect(tail("abc", 3)).toBe("abc")
  })
})

describe("startProcess", () => {
  const worker = `
    const readline = require("node:readline")
    console.log("ready")
    readline.createInterface({ input: process.stdin }).on("line", (line) => {
      if (line === "exit") process.exit(7)
      console.log("echo " + line)
      console.error("err " + line)
    })`

  it("waits for lines, by event, and answers what is sent", async () => {
    const child = startProcess(process.execPath, ["-e", worker])
    try {
      expect(await child.line((l) => l === "ready")).toBe("ready")
      child.send("one")
      child.send("two")
      expect(await child.nextLine((l) => l.startsWith("echo"))).toBe("echo one")
      expect(await child.nextLine((l) => l.startsWith("echo"))).toBe("echo two")
      // `line` searches from the first line again.
      expect(await child.line((l) => l.startsWith("echo"))).toBe("echo one")
      expect(child.lines).toEqual(["ready", "echo one", "echo two"])
      child.send("exit")
      expect(await child.exited).toEqual({ code: 7, signal: null })
      expect(child.stderr()).toContain("err two")
      expect(child.output()).toContain("echo two\n")
    } finally {
      await child.kill()
    }
  })

  it("rejects a wait when the child exits first, and kill ends it", async () => {
    const quitter = startProcess(process.execPath, ["-e", `console.log("bye")`])
    await expect(quitter.line((l) => l === "never")).rejects.toThrow(/exited \(0\) before a matching line/)
    const sleeper = startProcess(process.execPath, ["-e", "setInterval(() => {}, 1000)"])
    await sleeper.kill()
    expect(await sleeper.exited).toEqual({ code: null, signal: "SIGKILL" })
  })
})
