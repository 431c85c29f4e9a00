// The configuration checks (GET /api/setup/checks): `morningai doctor`'s without the model's,
// and the workers' sandbox as they reported it; each ✓, a warning, ✗ or off, with its fix in
// words. Nothing when the server keeps them from this person (404).
import { useQuery } from "@tanstack/react-query";
import { api, type SetupCheck } from "../../api/client";
import { ErrorNote } from "../../components/ErrorNote";

type Status = SetupCheck["status"];

// the mark is for the eye; the words name the verdict for everyone (not colour or mark alone)
const MARKS: Record<Status, string> = { ok: "✓", warn: "!", fail: "✗", off: "–" };
const WORDS: Record<Status, string> = {
  ok: "holds",
  warn: "works, with a warning",
  fail: "fails",
  off: "not checked",
};
const MARK_CLASSES: Record<Status, string> = {
  ok: "text-emerald-600",
  warn: "font-bold text-amber-700 dark:text-amber-400",
  fail: "font-bold text-red-600",
  off: "text-slate-500",
};

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
          <CheckItem key={check.name} check={check} />
        ))}
      </ul>
    </section>
  );
}

function CheckItem({ check }: { check: SetupCheck }) {
  return (
    <li aria-label={`${check.name}: ${WORDS[check.status]}`}>
      <span aria-hidden="true" className={MARK_CLASSES[check.status]}>
        {MARKS[check.status]}
      </span>{" "}
      <span className="font-medium">{check.name}</span>
      {check.status === "warn" && (
        <>
          {" "}
          <span className="rounded border border-amber-700 px-1 text-xs font-semibold uppercase text-amber-800 dark:border-amber-400 dark:text-amber-300">
            warning
          </span>
        </>
      )}
      {check.fix && (
        <p className="ml-5 text-sm text-slate-600 dark:text-slate-300">Fix: {check.fix}</p>
      )}
    </li>
  );
}
