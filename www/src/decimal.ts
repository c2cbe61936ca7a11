// Formatting the engine's decimal strings (money, points, factors) for display, exactly: they
// are read as integers scaled by 10^10, never as binary floats. The engine sends every total
// the page shows (src/pay/result.rs, `indicator_sums`), so nothing here adds money.

const SCALE = 10n ** 10n;

/** Parses a decimal string (`"-12.345"`) into an integer scaled by 10^10 (extra places cut). */
export function scaled(s: string | null | undefined): bigint {
  if (!s) return 0n;
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s.trim());
  if (!m) return 0n;
  const frac = ((m[3] ?? "") + "0000000000").slice(0, 10);
  const v = BigInt(m[2] ?? "0") * SCALE + BigInt(frac);
  return m[1] === "-" ? -v : v;
}

/** A scaled integer as a decimal string with `places` places, rounded half away from zero. */
export function fixed(v: bigint, places = 2): string {
  const neg = v < 0n;
  let a = neg ? -v : v;
  const unit = 10n ** BigInt(10 - places);
  a = (a + unit / 2n) / unit;
  const p = 10n ** BigInt(places);
  const whole = (a / p).toString();
  const frac = places > 0 ? "." + (a % p).toString().padStart(places, "0") : "";
  const body = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",") + frac;
  return (neg && a !== 0n ? "-" : "") + body;
}

/** Pounds: `£1,234.56`, or with a sign (`+£12.00`, `−£3.10`) for changes. */
export function pounds(v: bigint, signed = false): string {
  const s = fixed(v < 0n ? -v : v, 2);
  if (!signed) return (v < 0n ? "-" : "") + "£" + s;
  if (fixed(v, 2).replace(/[-,.0]/g, "") === "") return "±£0.00";
  return (v < 0n ? "−" : "+") + "£" + s;
}

/** A ratio of two counts as a percentage with one place (`—` when the denominator is 0). */
export function percent(num: number, den: number): string {
  return den === 0 ? "—" : `${((100 * num) / den).toFixed(1)}%`;
}
