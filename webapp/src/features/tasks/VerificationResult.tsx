// What the agent's checks said about its last change: passed or not, the command or summary,
// each check, and the tail of the output — whichever of these the server sends.
import type { Verification } from "../../api/client";
import { Badge } from "../../components/Badge";
import { focusRing, muted } from "../../components/styles";

const output = `mt-2 max-h-80 overflow-auto rounded-md bg-slate-50 p-3 font-mono text-xs whitespace-pre-wrap dark:bg-slate-900 ${focusRing}`;

function checkState(check: { ok: boolean; ran: boolean }): [string, "green" | "red" | "amber"] {
  if (!check.ran) return ["not run", "amber"];
  return check.ok ? ["passed", "green"] : ["failed", "red"];
}

export function VerificationResult({ verification }: { verification: Verification | null }) {
  if (!verification) return <p className={`mt-3 ${muted}`}>Not verified.</p>;
  const checks = verification.checks ?? [];
  return (
    <div className="mt-3 space-y-2">
      <p className="flex flex-wrap items-center gap-2">
        <Badge tone={verification.passed ? "green" : "red"}>{verification.passed ? "passed" : "did not pass"}</Badge>
        {verification.command && <code>{verification.command}</code>}
        {verification.summary && <span>{verification.summary}</span>}
      </p>
      {checks.length > 0 && (
        <ul aria-label="Checks" className="space-y-2">
          {checks.map((check, index) => {
            const [state, tone] = checkState(check);
            return (
              <li key={index}>
                <span className="inline-flex items-center gap-2">
                  <code>{check.name ?? "check"}</code>
                  <Badge tone={tone}>{state}</Badge>
                </span>
                {check.detail && (
                  <pre tabIndex={0} aria-label={`Output of ${check.name ?? "the check"}`} className={output}>
                    {check.detail}
                  </pre>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {verification.output_tail && (
        <pre tabIndex={0} aria-label="Verification output" className={output}>
          {verification.output_tail}
        </pre>
      )}
    </div>
  );
}
