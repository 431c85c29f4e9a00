import type { ReactNode } from "react";

export function ErrorNote({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div
      role="alert"
      className="mt-4 rounded-md border border-red-700 bg-red-50 p-3 text-red-900 dark:border-red-400 dark:bg-red-950 dark:text-red-100"
    >
      <p className="font-medium">{title}</p>
      <p className="mt-1">{children}</p>
    </div>
  );
}
