/**
 * A scratch copy of the workspace to release from: the files git would commit (tracked, and new
 * files that .gitignore does not exclude; no node_modules, dist or caches), installed with the
 * lockfile, in a fresh git repository of its own (changesets tags releases). The steps after
 * that are the ones RELEASING.md and .github/workflows/release.yml run.
 */
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { cleanEnv, mustRun } from "./exec.ts"

/** The repository root (this app sits in `apps/release-check`). */
export const REPO_ROOT = join(import.meta.dirname, "..", "..", "..")

/** A package of the workspace as its package.json describes it. */
export interface WorkspacePackage {
  readonly dir: string
  readonly name: string
  readonly version: string
  readonly private: boolean
  readonly manifest: Record<string, unknown>
}

/** Copies the files git would commit from `from` into `to` (a new folder). Returns their count. */
export const copyWorkspace = async (from: string, to: string): Promise<number> => {
  await mkdir(to, { recursive: true })
  const listed = await mustRun("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: from,
    timeout: 60_000,
  })
  const files: string[] = []
  for (const file of listed.stdout.split("\0")) {
    if (file === "") continue
    // Deleted but not yet committed files are listed as cached: skip what is gone.
    if (
      await stat(join(from, file)).then(
        (s) => s.isFile() || s.isSymbolicLink(),
        () => false,
      )
    )
      files.push(file)
  }
  const list = join(to, ".release-check-files")
  await writeFile(list, files.join("\0"))
  await mustRun(
    "sh",
    ["-c", 'tar -C "$1" --null -T "$2" -cf - | tar -C "$3" -xf -', "copy", from, list, to],
    {
      cwd: to,
      timeout: 120_000,
    },
  )
  await mustRun("rm", [list], { cwd: to })
  return files.length
}

/** The environment of every step in the scratch copy: a CI-like, non-interactive shell. */
export const scratchEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv =>
  cleanEnv({
    CI: "true",
    GIT_AUTHOR_NAME: "release-check",
    GIT_AUTHOR_EMAIL: "release-check@example.invalid",
    GIT_COMMITTER_NAME: "release-check",
    GIT_COMMITTER_EMAIL: "release-check@example.invalid",
    ...extra,
  })

/** `git init` + one commit of everything, so changesets can tag and turbo can hash by git. */
export const commitAll = async (dir: string, message: string): Promise<void> => {
  const env = scratchEnv()
  if (
    !(await stat(join(dir, ".git")).then(
      () => true,
      () => false,
    ))
  ) {
    await mustRun("git", ["init", "-q", "-b", "main"], { cwd: dir, env })
  }
  await mustRun("git", ["add", "-A"], { cwd: dir, env, timeout: 60_000 })
  await mustRun("git", ["commit", "-q", "--allow-empty", "--no-verify", "-m", message], { cwd: dir, env })
}

/** Every workspace package (`packages/*`, `apps/*`) of the copy, read from its package.json. */
export const workspacePackages = async (root: string): Promise<WorkspacePackage[]> => {
  const found: WorkspacePackage[] = []
  for (const group of ["packages", "apps"]) {
    for (const entry of await readdir(join(root, group), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue
      const dir = join(root, group, entry.name)
      const text = await readFile(join(dir, "package.json"), "utf8").catch(() => undefined)
      if (text === undefined) continue
      const manifest = JSON.parse(text) as Record<string, unknown>
      found.push({
        dir,
        name: String(manifest.name),
        version: String(manifest.version),
        private: manifest.private === true,
        manifest,
      })
    }
  }
  return found.sort((a, b) => a.name.localeCompare(b.name))
}

/** Writes a changeset file, as `pnpm changeset` would, into the copy's `.changeset/`. */
export const writeChangeset = async (
  root: string,
  id: string,
  releases: Readonly<Record<string, "patch" | "minor" | "major">>,
  summary: string,
): Promise<void> => {
  const header = Object.entries(releases).map(([name, bump]) => `"${name}": ${bump}`)
  await writeFile(join(root, ".changeset", `${id}.md`), ["---", ...header, "---", "", summary, ""].join("\n"))
}
