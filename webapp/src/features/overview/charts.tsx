// Charts as plain inline SVG (no chart library). Each draws with presentation attributes and
// Tailwind fill classes (the page's CSP allows no inline style), is aria-hidden, and comes with
// the same numbers as text for screen readers.
import type { DayOutcomes } from "../../api/client";

export const OUTCOMES = [
  ["succeeded", "Succeeded", "fill-emerald-600 dark:fill-emerald-400", "bg-emerald-600 dark:bg-emerald-400"],
  ["failed", "Failed", "fill-red-600 dark:fill-red-400", "bg-red-600 dark:bg-red-400"],
  ["cancelled", "Cancelled", "fill-amber-500 dark:fill-amber-300", "bg-amber-500 dark:bg-amber-300"],
  ["running", "Running", "fill-blue-600 dark:fill-blue-400", "bg-blue-600 dark:bg-blue-400"],
  ["queued", "Queued", "fill-slate-400 dark:fill-slate-500", "bg-slate-400 dark:bg-slate-500"],
] as const;

const HEIGHT = 120;
const BAR = 10; // viewBox units per day; the SVG stretches to the container's width

const total = (day: DayOutcomes) => OUTCOMES.reduce((sum, [key]) => sum + day[key], 0);

export function OutcomesChart({ days }: { days: DayOutcomes[] }) {
  const most = Math.max(1, ...days.map(total));
  const width = Math.max(days.length, 1) * BAR;
  return (
    <figure className="mt-3">
      <svg
        aria-hidden="true"
        viewBox={`0 0 ${width} ${HEIGHT}`}
        preserveAspectRatio="none"
        className="h-40 w-full border-b border-slate-300 dark:border-slate-700"
      >
        {days.map((day, index) => {
          let top = HEIGHT;
          return (
            <g key={day.day}>
              <title>{`${day.day}: ${OUTCOMES.map(([key, label]) => `${day[key]} ${label.toLowerCase()}`).join(", ")}`}</title>
              {OUTCOMES.map(([key, , fill]) => {
                const height = (day[key] / most) * HEIGHT;
                top -= height;
                return height > 0 ? (
                  <rect key={key} x={index * BAR + 1} y={top} width={BAR - 2} height={height} className={fill} />
                ) : null;
              })}
            </g>
          );
        })}
      </svg>
      <div aria-hidden="true" className="mt-1 flex justify-between text-xs text-slate-600 dark:text-slate-300">
        <span>{days[0]?.day}</span>
        <span>most in a day: {most}</span>
        <span>{days[days.length - 1]?.day}</span>
      </div>
      <ul aria-hidden="true" className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-sm">
        {OUTCOMES.map(([key, label, , swatch]) => (
          <li key={key} className="inline-flex items-center gap-1.5">
            <span className={`inline-block size-3 rounded-sm ${swatch}`} />
            {label}
          </li>
        ))}
      </ul>
      <table className="sr-only">
        <caption>Tasks by outcome per day</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            {OUTCOMES.map(([key, label]) => (
              <th key={key} scope="col">{label}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {days.map((day) => (
            <tr key={day.day}>
              <th scope="row">{day.day}</th>
              {OUTCOMES.map(([key]) => (
                <td key={key}>{day[key]}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

/** A horizontal bar from 0 to 1 (clamped), drawn in SVG; the caller says the number in text. */
export function Bar({ ratio, className }: { ratio: number; className: string }) {
  const width = `${Math.min(1, Math.max(0, ratio)) * 100}%`;
  return (
    <svg aria-hidden="true" className="h-3 w-full rounded-sm bg-slate-100 dark:bg-slate-800">
      <rect x="0" y="0" height="100%" width={width} rx="2" className={className} />
    </svg>
  );
}

export function FailureBars({ failures }: { failures: { reason: string; count: number }[] }) {
  const most = Math.max(1, ...failures.map((f) => f.count));
  return (
    <ul aria-label="Failures by reason" className="mt-3 space-y-3">
      {failures.map((failure) => (
        <li key={failure.reason}>
          <div className="flex justify-between gap-3 text-sm">
            <span className="break-words">{failure.reason}</span>
            <span className="tabular-nums">{failure.count}</span>
          </div>
          <Bar ratio={failure.count / most} className="fill-red-600 dark:fill-red-400" />
        </li>
      ))}
    </ul>
  );
}
