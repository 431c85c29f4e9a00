// One FAQ entry: question, answer (markdown shown as text, never as HTML), stale badge,
// citations and the pull request it came from.
import type { FaqEntry, FaqSource } from "../../api/client";
import { Badge } from "../../components/Badge";
import { Time } from "../../components/Time";
import { card, link, muted } from "../../components/styles";

function citation(source: FaqSource): string {
  if (source.kind === "file") {
    if (source.start_line === null) return source.path;
    const end = source.end_line !== null && source.end_line !== source.start_line ? `–${source.end_line}` : "";
    return `${source.path}:${source.start_line}${end}`;
  }
  const what = source.kind === "pull" ? "Pull request" : "Issue";
  return source.number === null ? what : `${what} #${source.number}`;
}

export function FaqEntryCard({ entry }: { entry: FaqEntry }) {
  return (
    <article aria-labelledby={`faq-${entry.id}`} className={card}>
      <div className="flex flex-wrap items-start justify-between gap-2">
        <h2 id={`faq-${entry.id}`} className="text-lg font-semibold">
          {entry.question}
        </h2>
        {entry.stale && <Badge tone="amber">stale</Badge>}
      </div>
      <p className={`mt-1 text-sm ${muted}`}>
        {entry.repository} · updated <Time at={entry.updated_at} />
      </p>
      {/* Markdown source as text: React escapes it; nothing from the server becomes HTML. */}
      <div className="mt-3 whitespace-pre-wrap break-words">{entry.answer}</div>
      {entry.sources.length > 0 && (
        <div className="mt-3">
          <h3 className="text-sm font-medium">Sources</h3>
          <ul className="mt-1 list-inside list-disc text-sm">
            {entry.sources.map((source, index) => (
              <li key={index}>
                {source.url ? (
                  <a href={source.url} className={`${link} break-all`}>
                    {citation(source)}
                  </a>
                ) : (
                  citation(source)
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
      {entry.source_url && (
        <p className="mt-3 text-sm">
          From{" "}
          <a href={entry.source_url} className={link}>
            pull request #{entry.source_pr}
          </a>
        </p>
      )}
    </article>
  );
}
