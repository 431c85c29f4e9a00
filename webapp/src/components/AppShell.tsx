// The frame of every page: a skip link, the navigation, and the page.
import { NavLink, Outlet } from "react-router";

const links = [
  ["/tasks", "Tasks"],
  ["/faq", "FAQ"],
  ["/repositories", "Repositories"],
  ["/overview", "Overview"],
  ["/setup", "Setup"],
] as const;

function linkClass({ isActive }: { isActive: boolean }) {
  return (
    "inline-flex min-h-11 items-center rounded-md px-3 py-2 text-sm font-medium " +
    "focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600 " +
    "dark:focus-visible:outline-blue-400 " +
    (isActive
      ? "bg-slate-200 text-slate-950 dark:bg-slate-800 dark:text-white"
      : "text-slate-700 hover:bg-slate-100 dark:text-slate-200 dark:hover:bg-slate-800")
  );
}

export function AppShell() {
  return (
    <div className="min-h-dvh">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:rounded-md focus:bg-white focus:px-3 focus:py-2 focus:text-slate-900"
      >
        Skip to content
      </a>
      <header className="border-b border-slate-200 dark:border-slate-800">
        <div className="mx-auto flex max-w-5xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
          <NavLink
            to="/"
            className="rounded-md text-lg font-semibold focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600"
          >
            MorningAI
          </NavLink>
          <nav aria-label="Main" className="-mx-3 overflow-x-auto">
            <ul className="flex gap-1">
              {links.map(([to, label]) => (
                <li key={to}>
                  <NavLink to={to} className={linkClass}>
                    {label}
                  </NavLink>
                </li>
              ))}
            </ul>
          </nav>
        </div>
      </header>
      <main id="main" tabIndex={-1} className="mx-auto max-w-5xl px-4 py-8">
        <Outlet />
      </main>
    </div>
  );
}
