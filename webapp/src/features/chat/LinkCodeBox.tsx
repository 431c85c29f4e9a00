// A link code just issued: the code in a monospace box with Copy, the server's instructions,
// and how long it still works. The code is a live credential: it lives in this component's
// state only (never the URL, the query cache or the console).
import { useEffect, useState } from "react";
import { slackInstallUrl, type LinkCode } from "../../api/client";
import { link, muted, secondaryButton } from "../../components/styles";
import { WORKSPACE_NOUNS } from "./platforms";

/** Text with `backticked` parts shown as code. */
export function Instructions({ text }: { text: string }) {
  const parts = text.split("`");
  return (
    <>
      {parts.map((part, index) =>
        index % 2 === 1 ? (
          <code key={index} className="rounded bg-slate-100 px-1 font-mono break-all dark:bg-slate-800">
            {part}
          </code>
        ) : (
          <span key={index}>{part}</span>
        ),
      )}
    </>
  );
}

function useSecondsLeft(expiresAt: string): number | null {
  const end = Date.parse(expiresAt);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (Number.isNaN(end)) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [end]);
  return Number.isNaN(end) ? null : Math.max(0, Math.round((end - now) / 1000));
}

function mmss(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${String(seconds % 60).padStart(2, "0")}`;
}

export function LinkCodeBox({ issued, onDone }: { issued: LinkCode; onDone: () => void }) {
  const left = useSecondsLeft(issued.expires_at);
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  const expired = left === 0;
  const platform = issued.platform;

  async function copy() {
    try {
      await navigator.clipboard.writeText(issued.code);
      setCopied("yes");
    } catch {
      setCopied("no");
    }
  }

  return (
    <div className="mt-3 rounded-md border border-slate-300 p-3 dark:border-slate-700">
      <div className="flex flex-wrap items-center gap-2">
        <code
          aria-label="Link code"
          className={`rounded-md border border-slate-300 bg-slate-50 px-3 py-2 font-mono text-base tracking-wide break-all select-all dark:border-slate-600 dark:bg-slate-950 ${expired ? "line-through opacity-60" : ""}`}
        >
          {issued.code}
        </code>
        <button type="button" className={secondaryButton} onClick={copy} disabled={expired}>
          Copy
        </button>
        <span role="status" className={`text-sm ${muted}`}>
          {copied === "yes" ? "Copied." : copied === "no" ? "Could not copy; select the code instead." : ""}
        </span>
      </div>
      <p className="mt-2">
        <Instructions text={issued.instructions} />
      </p>
      {issued.purpose === "workspace" && platform === "slack" && !expired && (
        <p className="mt-2">
          MorningAI not in the Slack workspace yet?{" "}
          <a href={slackInstallUrl(issued.code)} rel="noreferrer" className={link}>
            Add to Slack
          </a>{" "}
          installs it and links the {WORKSPACE_NOUNS.slack} with this code.
        </p>
      )}
      <p className={`mt-2 text-sm ${muted}`}>
        {left === null ? null : expired ? (
          "This code has expired; ask for a new one."
        ) : (
          <>
            Works once, for <span className="tabular-nums">{mmss(left)}</span> more.
          </>
        )}
      </p>
      <button type="button" className={`${secondaryButton} mt-2`} onClick={onDone}>
        Hide code
      </button>
    </div>
  );
}
