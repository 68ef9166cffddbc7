import type { LayoutFormat } from "@regatta/client";
import { UsageError } from "@regatta/errors";

/** A flag's value as a positive whole number, or a UsageError naming the flag. */
export function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new UsageError(`${flag} takes a positive whole number, not "${value}"`);
  return n;
}

/** `1048576`, `512KiB`, `8M`, `16MiB`, `1G`: binary units, as chunk sizes are. */
export function parseSize(value: string, flag: string): number {
  const match = /^(\d+)\s*([kmg]?)(?:i?b)?$/i.exec(value.trim());
  if (!match) throw new UsageError(`${flag} takes a size such as 8MiB or 1048576, not "${value}"`);
  const unit = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[
    match[2]!.toLowerCase() as "" | "k" | "m" | "g"
  ];
  const size = Number(match[1]) * unit;
  if (size <= 0) throw new UsageError(`${flag} must be more than 0`);
  return size;
}

const FORMATS: readonly LayoutFormat[] = ["docker", "oci", "dir"];

/** `--format` of pull and push: a layout format, or nothing when the flag is absent. */
export function layoutFormat(value: string | undefined): LayoutFormat | undefined {
  if (value === undefined) return undefined;
  if (!FORMATS.includes(value as LayoutFormat)) {
    throw new UsageError(`--format takes ${FORMATS.join(", ")}, not "${value}"`);
  }
  return value as LayoutFormat;
}
