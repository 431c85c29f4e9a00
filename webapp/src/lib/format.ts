// Numbers, money, durations and times as the pages show them (English, the reader's time zone).

const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
const absolute = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "medium" });
const integer = new Intl.NumberFormat("en");

const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["second", 60],
  ["minute", 60],
  ["hour", 24],
  ["day", 30],
  ["month", 12],
  ["year", Number.POSITIVE_INFINITY],
];

/** "3 minutes ago", "yesterday" */
export function relativeTime(iso: string, now: number = Date.now()): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  let amount = (at - now) / 1000;
  for (const [unit, size] of STEPS) {
    if (Math.abs(amount) < size) return relative.format(Math.round(amount), unit);
    amount /= size;
  }
  return iso;
}

export function absoluteTime(iso: string): string {
  const at = Date.parse(iso);
  return Number.isNaN(at) ? iso : absolute.format(at);
}

/** 12.5 -> "13 s", 95 -> "1 min 35 s", 7300 -> "2 h 2 min" */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "—";
  const total = Math.round(seconds);
  if (total < 60) return `${total} s`;
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return total % 60 ? `${minutes} min ${total % 60} s` : `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
}

/** "0.0123" -> "$0.0123", "0.840000" -> "$0.84", "0" -> "$0.00": the API's decimal string
 * with trailing zeros beyond cents dropped, never rounded (a small cost never shows as $0). */
export function money(usd: string | null | undefined): string {
  if (usd === null || usd === undefined || usd === "") return "—";
  const negative = usd.startsWith("-");
  const [whole = "0", fraction = ""] = (negative ? usd.slice(1) : usd).split(".");
  const cents = fraction.replace(/0+$/, "").padEnd(2, "0");
  return `${negative ? "-" : ""}$${whole}.${cents}`;
}

export function count(n: number | null | undefined): string {
  return n === null || n === undefined ? "—" : integer.format(n);
}

export function percent(ratio: number | null | undefined): string {
  return ratio === null || ratio === undefined ? "—" : `${Math.round(ratio * 100)}%`;
}
