// Tailwind class strings shared by the pages, so focus rings and colours stay the same everywhere.
export const focusRing =
  "focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600 " +
  "dark:focus-visible:outline-blue-400";

export const link = `text-blue-700 underline underline-offset-2 hover:text-blue-900 dark:text-blue-300 dark:hover:text-blue-200 ${focusRing}`;

const buttonBase = `inline-flex min-h-11 items-center justify-center rounded-md px-4 py-2 font-medium disabled:cursor-not-allowed disabled:opacity-60 ${focusRing}`;

export const primaryButton = `${buttonBase} bg-blue-700 text-white hover:bg-blue-800 dark:bg-blue-500 dark:text-slate-950 dark:hover:bg-blue-400`;

export const secondaryButton = `${buttonBase} border border-slate-400 text-slate-900 hover:bg-slate-100 dark:border-slate-500 dark:text-slate-100 dark:hover:bg-slate-800`;

export const dangerButton = `${buttonBase} bg-red-700 text-white hover:bg-red-800 dark:bg-red-500 dark:text-slate-950 dark:hover:bg-red-400`;

export const field =
  "mt-1 block w-full rounded-md border border-slate-400 bg-white px-3 py-2 text-slate-900 " +
  "dark:border-slate-500 dark:bg-slate-900 dark:text-slate-100 " +
  focusRing;

export const card =
  "rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900";

export const muted = "text-slate-600 dark:text-slate-300";
