/**
 * The public names of a package entry, read from its published type declarations (`.d.mts`): every
 * `export declare const|class|function`, `export interface|type`, and every name of an
 * `export { … }` list (aliases by their exported name). Used to check that a README lists them all.
 */
export const declaredExports = (dts: string): ReadonlyArray<string> => {
  const names = new Set<string>()
  for (const match of dts.matchAll(
    /^export (?:declare )?(?:abstract )?(?:const|class|function|interface|type|enum) (\w+)/gm,
  )) {
    if (match[1] !== undefined) names.add(match[1])
  }
  for (const match of dts.matchAll(/^export \{([^}]*)\}/gm)) {
    for (const part of (match[1] ?? "").split(",")) {
      const name = part
        .trim()
        .replace(/^type /, "")
        .split(/\s+as\s+/)
        .pop()
      if (name !== undefined && name.length > 0) names.add(name)
    }
  }
  return [...names]
}
