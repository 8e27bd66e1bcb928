/**
 * A spinner on stderr while a token operation runs longer than a second: only on a terminal,
 * never with `--json`, and erased when the operation ends.
 *
 * @internal
 */

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

/** How long an operation runs before the spinner appears. */
export const SPINNER_DELAY_MS = 1000

/** Runs `operation`, showing `label` with a spinner on stderr if it takes longer than a second. */
export const withSpinner = async <A>(
  enabled: boolean,
  label: string,
  operation: () => Promise<A>,
): Promise<A> => {
  if (!enabled) return operation()
  const stderr = process.stderr
  let frame = 0
  let shown = false
  let interval: ReturnType<typeof setInterval> | undefined
  const draw = () => {
    shown = true
    stderr.write(`\r${FRAMES[frame++ % FRAMES.length]} ${label}`)
  }
  const delay = setTimeout(() => {
    draw()
    interval = setInterval(draw, 80)
  }, SPINNER_DELAY_MS)
  try {
    return await operation()
  } finally {
    clearTimeout(delay)
    if (interval !== undefined) clearInterval(interval)
    if (shown) stderr.write("\r\x1b[2K")
  }
}

/** Whether a spinner may be shown: stderr is a terminal and the output is not JSON. */
export const spinnerAllowed = (json: boolean): boolean => !json && process.stderr.isTTY === true
