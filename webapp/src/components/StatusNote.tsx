// Loading and empty states: a polite status line, never a spinner alone.
import type { ReactNode } from "react";
import { muted } from "./styles";

export function Loading({ children }: { children: ReactNode }) {
  return (
    <p role="status" className={`mt-4 ${muted}`}>
      {children}
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return (
    <div className="mt-4 rounded-lg border border-dashed border-slate-300 p-6 text-center text-slate-700 dark:border-slate-700 dark:text-slate-200">
      {children}
    </div>
  );
}
