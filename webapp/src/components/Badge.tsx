// A small label: task status, PR state, "stale", "private".
import type { ReactNode } from "react";

const tones = {
  grey: "bg-slate-100 text-slate-800 ring-slate-300 dark:bg-slate-800 dark:text-slate-100 dark:ring-slate-600",
  blue: "bg-blue-50 text-blue-900 ring-blue-300 dark:bg-blue-950 dark:text-blue-100 dark:ring-blue-700",
  green: "bg-emerald-50 text-emerald-900 ring-emerald-300 dark:bg-emerald-950 dark:text-emerald-100 dark:ring-emerald-700",
  red: "bg-red-50 text-red-900 ring-red-300 dark:bg-red-950 dark:text-red-100 dark:ring-red-700",
  amber: "bg-amber-50 text-amber-900 ring-amber-300 dark:bg-amber-950 dark:text-amber-100 dark:ring-amber-700",
  purple: "bg-purple-50 text-purple-900 ring-purple-300 dark:bg-purple-950 dark:text-purple-100 dark:ring-purple-700",
} as const;

export type Tone = keyof typeof tones;

export function Badge({ tone = "grey", children }: { tone?: Tone; children: ReactNode }) {
  return (
    <span
      className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset ${tones[tone]}`}
    >
      {children}
    </span>
  );
}

const statusTones: Record<string, Tone> = {
  queued: "grey",
  running: "blue",
  succeeded: "green",
  failed: "red",
  cancelled: "amber",
};

export function StatusBadge({ status }: { status: string }) {
  return <Badge tone={statusTones[status] ?? "grey"}>{status}</Badge>;
}

const prTones: Record<string, Tone> = { open: "green", merged: "purple", closed: "red" };

export function PrStateBadge({ state }: { state: string | null }) {
  if (!state) return null;
  return <Badge tone={prTones[state] ?? "grey"}>{state}</Badge>;
}
