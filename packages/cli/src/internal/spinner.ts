/**
 * A spinner on stderr while a token operation runs longer than a second: only on a terminal,
 * never with `--json`, and erased when the operation ends. Its label can change while it runs
 * (retry progress): the new label is shown at once, and redrawn with every frame so that a
 * countdown in it stays current.
 *
 * @internal
 */

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

/** How long an operation runs before the spinner appears. */
export const SPINNER_DELAY_MS = 1000

/** A running spinner's controls. */
export interface Spinner {
  /** Replaces the label (computed again at every frame) and shows the spinner now. */
  readonly relabel: (label: () => string) => void
}

const noSpinner: Spinner = { relabel: () => {} }

/** Runs `operation`, showing `label` with a spinner on stderr if it takes longer than a second. */
export const withSpinner = async <A>(
  enabled: boolean,
  label: string,
  operation: (spinner: Spinner) => Promise<A>,
): Promise<A> => {
  if (!enabled) return operation(noSpinner)
  const stderr = process.stderr
  let text = () => label
  let frame = 0
  let shown = false
  let interval: ReturnType<typeof setInterval> | undefined
  const draw = () => {
    shown = true
    // Cut to the terminal's width: a wrapped line could not be redrawn in place.
    const width = stderr.columns > 0 ? stderr.columns - 1 : Number.POSITIVE_INFINITY
    const line = `${FRAMES[frame++ % FRAMES.length]} ${text()}`.slice(0, width)
    stderr.write(`\r\x1b[2K${line}`)
  }
  const start = () => {
    if (interval !== undefined) return
    draw()
    interval = setInterval(draw, 80)
  }
  const delay = setTimeout(start, SPINNER_DELAY_MS)
  try {
    return await operation({
      relabel: (next) => {
        text = next
        clearTimeout(delay)
        if (interval === undefined) start()
        else draw()
      },
    })
  } finally {
    clearTimeout(delay)
    if (interval !== undefined) clearInterval(interval)
    if (shown) stderr.write("\r\x1b[2K")
  }
}

/** Whether a spinner may be shown: stderr is a terminal and the output is not JSON. */
export const spinnerAllowed = (json: boolean): boolean => !json && process.stderr.isTTY === true
