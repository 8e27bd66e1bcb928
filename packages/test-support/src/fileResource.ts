/**
 * A resource that one test file shares across its tests (a simulator, a server), for the suites of
 * several packages: started before the file's first test, closed after its last.
 */
import { afterAll, beforeAll } from "vitest"

/** What {@link useFileResource} closes after the file's last test. */
export interface Closable {
  readonly close: () => Promise<void>
}

/**
 * Starts the resource with `start` before the file's first test and hands it to `use`; closes it after
 * the file's last test (if it started).
 */
export const useFileResource = <R extends Closable>(
  start: () => Promise<R>,
  use: (resource: R) => void,
): void => {
  let resource: R | undefined
  beforeAll(async () => {
    resource = await start()
    use(resource)
  })
  afterAll(async () => {
    await resource?.close()
  })
}
