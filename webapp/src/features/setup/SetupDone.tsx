// A GitHub App exists: install it on repositories, then sign in.
const button =
  "inline-flex min-h-11 items-center justify-center rounded-md px-4 py-2 font-medium " +
  "focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600 " +
  "dark:focus-visible:outline-blue-400";

export function SetupDone({ installUrl }: { installUrl: string | null }) {
  return (
    <div className="mt-4 space-y-4">
      <p className="text-slate-700 dark:text-slate-200">
        MorningAI&apos;s GitHub App is registered. Install it on the repositories it should work
        on, then sign in.
      </p>
      <div className="flex flex-col gap-3 sm:flex-row">
        {installUrl ? (
          <a
            href={installUrl}
            className={`${button} bg-blue-700 text-white hover:bg-blue-800 dark:bg-blue-500 dark:text-slate-950 dark:hover:bg-blue-400`}
          >
            Install the App on GitHub
          </a>
        ) : (
          <p className="text-slate-700 dark:text-slate-200">
            The install link is not known yet: install the App from its settings page on GitHub.
          </p>
        )}
        <a
          href="/login"
          className={`${button} border border-slate-400 text-slate-900 hover:bg-slate-100 dark:border-slate-500 dark:text-slate-100 dark:hover:bg-slate-800`}
        >
          Sign in with GitHub
        </a>
      </div>
    </div>
  );
}
