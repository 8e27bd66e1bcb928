/**
 * Whether a URL's host is this machine: `localhost`, `[::1]` or an IPv4 address in 127.0.0.0/8. Plain
 * http is accepted only there, for the token endpoint and for an API base alike.
 *
 * @internal
 */
export const isLoopback = (hostname: string): boolean => {
  const host = hostname.toLowerCase()
  if (host === "localhost" || host === "[::1]") return true
  const octets = host.split(".")
  return (
    octets.length === 4 && octets[0] === "127" && octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255)
  )
}
