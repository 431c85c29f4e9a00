// A page that exists in the navigation but whose content is not built: says so, shows no data.
export function NotBuiltYet({ title, what }: { title: string; what: string }) {
  return (
    <section aria-labelledby="page-title" className="mx-auto max-w-xl">
      <h1 id="page-title" className="text-2xl font-semibold tracking-tight">
        {title}
      </h1>
      <p className="mt-4 text-slate-700 dark:text-slate-200">
        Not built yet. {what}
      </p>
    </section>
  );
}
