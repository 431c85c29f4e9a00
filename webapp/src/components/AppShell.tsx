// The frame of every page: a skip link, the header (navigation and the signed-in person when
// there is one), and the page.
import { NavLink, Outlet } from "react-router";
import { UserMenu } from "../features/auth/UserMenu";
import { useMe } from "../features/auth/useMe";
import { focusRing } from "./styles";

const links = [
  ["/tasks", "Tasks"],
  ["/faq", "FAQ"],
  ["/repositories", "Repositories"],
  ["/overview", "Overview"],
  ["/chat", "Chat"],
  ["/setup", "Setup"],
] as const;

function linkClass({ isActive }: { isActive: boolean }) {
  return (
    `inline-flex min-h-11 items-center rounded-md px-3 py-2 text-sm font-medium ${focusRing} ` +
    (isActive
      ? "bg-slate-200 text-slate-950 dark:bg-slate-800 dark:text-white"
      : "text-slate-700 hover:bg-slate-100 dark:text-slate-200 dark:hover:bg-slate-800")
  );
}

export function AppShell() {
  const me = useMe();
  const signedIn = me.data ? me.data : null;
  return (
    <div className="min-h-dvh">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:rounded-md focus:bg-white focus:px-3 focus:py-2 focus:text-slate-900"
      >
        Skip to content
      </a>
      <header className="border-b border-slate-200 dark:border-slate-800">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
          <NavLink to="/" className={`rounded-md text-lg font-semibold ${focusRing}`}>
            MorningAI
          </NavLink>
          {signedIn && (
            <nav aria-label="Main" className="-mx-3 max-w-full">
              <ul className="flex flex-wrap gap-1">
                {links.map(([to, label]) => (
                  <li key={to}>
                    <NavLink to={to} className={linkClass} end={to !== "/tasks"}>
                      {label}
                    </NavLink>
                  </li>
                ))}
              </ul>
            </nav>
          )}
          {signedIn && <UserMenu me={signedIn} />}
        </div>
      </header>
      <main id="main" tabIndex={-1} className="mx-auto max-w-6xl px-4 py-8 focus:outline-none">
        <Outlet />
      </main>
    </div>
  );
}
