/**
 * Sizes the way docker and skopeo print them: 1000-based units with one decimal below 10 (`2.1 kB`, `27 MB`).
 * For people; scripts should use the byte counts.
 */
export function humanSize(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
