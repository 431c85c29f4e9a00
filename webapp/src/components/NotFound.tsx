import { Link } from "react-router";

export function NotFound() {
  return (
    <section aria-labelledby="page-title" className="mx-auto max-w-xl">
      <title>Page not found · MorningAI</title>
      <h1 id="page-title" className="text-2xl font-semibold tracking-tight">
        Page not found
      </h1>
      <p className="mt-4">
        <Link
          to="/"
          className="text-blue-700 underline focus-visible:outline-2 focus-visible:outline-blue-600 dark:text-blue-300"
        >
          Back to the start
        </Link>
      </p>
    </section>
  );
}
