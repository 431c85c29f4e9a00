// The configuration checks (GET /api/setup/checks): `morningai doctor`'s without the model's,
// each ✓ or ✗ with its fix in words. Nothing when the server keeps them from this person (404).
import { useQuery } from "@tanstack/react-query";
import { api, type SetupCheck } from "../../api/client";
import { ErrorNote } from "../../components/ErrorNote";

const MARKS: Record<SetupCheck["status"], string> = { ok: "✓", fail: "✗", off: "–" };

export function SetupChecks() {
  const checks = useQuery({ queryKey: ["setup", "checks"], queryFn: api.setupChecks });
  if (checks.isPending) {
    return (
      <p role="status" className="mt-6 text-slate-600 dark:text-slate-300">
        Checking the configuration…
      </p>
    );
  }
  if (checks.isError) {
    return <ErrorNote title="Could not run the checks">{checks.error.message}</ErrorNote>;
  }
  if (checks.data === null) return null;
  return (
    <section aria-labelledby="checks-title" className="mt-6">
      <h2 id="checks-title" className="text-lg font-semibold">
        Checks {checks.data.passed ? "(all required checks hold)" : "(some checks failed)"}
      </h2>
      <ul className="mt-2 space-y-2">
        {checks.data.checks.map((check) => (
          <li key={check.name} aria-label={`${check.name}: ${check.ok ? "holds" : "fails"}`}>
            <span
              aria-hidden="true"
              className={check.ok ? "text-emerald-600" : "font-bold text-red-600"}
            >
              {MARKS[check.status]}
            </span>{" "}
            <span className="font-medium">{check.name}</span>
            {check.fix && (
              <p className="ml-5 text-sm text-slate-600 dark:text-slate-300">Fix: {check.fix}</p>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
