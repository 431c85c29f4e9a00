// `/faq`: search the FAQ library (full text on the server); `q` and `repository` in the URL.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useEffect, useId, useState } from "react";
import { useSearchParams } from "react-router";
import { api } from "../../api/client";
import { ErrorNote } from "../../components/ErrorNote";
import { Empty, Loading } from "../../components/StatusNote";
import { field } from "../../components/styles";
import { RepositorySelect } from "../repositories/RepositorySelect";
import { FaqEntryCard } from "./FaqEntryCard";

export const SEARCH_DELAY_MS = 300;

export function FaqPage() {
  const ids = useId();
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  const repository = params.get("repository") ?? "";
  const [typed, setTyped] = useState(q);
  const [shown, setShown] = useState(q);
  if (shown !== q) {
    // the URL changed underneath (back/forward): the box shows what is searched
    setShown(q);
    if (typed.trim() !== q) setTyped(q);
  }

  useEffect(() => {
    if (typed.trim() === q) return;
    const timer = setTimeout(() => update({ q: typed.trim() }), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [typed, q, repository]); // update() reads q and repository

  function update(patch: { q?: string; repository?: string }) {
    const next = { q, repository, ...patch };
    const query = new URLSearchParams();
    if (next.q) query.set("q", next.q);
    if (next.repository) query.set("repository", next.repository);
    setParams(query, { replace: true });
  }

  const entries = useQuery({
    queryKey: ["faq", q, repository],
    queryFn: () => api.faq({ q, repository }),
    placeholderData: keepPreviousData,
  });

  return (
    <section aria-labelledby="faq-title">
      <title>FAQ library · MorningAI</title>
      <h1 id="faq-title" className="text-2xl font-semibold tracking-tight">
        FAQ library
      </h1>
      <form role="search" onSubmit={(e) => e.preventDefault()} className="mt-6 grid gap-4 sm:grid-cols-3">
        <div className="sm:col-span-2">
          <label htmlFor={`${ids}-q`} className="text-sm font-medium">
            Search the FAQ
          </label>
          <input
            id={`${ids}-q`}
            type="search"
            className={field}
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
          />
        </div>
        <RepositorySelect value={repository} onChange={(next) => update({ repository: next })} />
      </form>
      {entries.isPending && <Loading>Searching the FAQ…</Loading>}
      {entries.isError && <ErrorNote title="Could not search the FAQ">{entries.error.message}</ErrorNote>}
      {entries.isSuccess && (
        <>
          <p role="status" className="sr-only">
            {entries.data.entries.length} {entries.data.entries.length === 1 ? "entry" : "entries"}
          </p>
          {entries.data.entries.length === 0 ? (
            <Empty>
              {q || repository
                ? "No FAQ entry matches this search."
                : "The FAQ library is empty. MorningAI adds entries from answered questions and merged pull requests."}
            </Empty>
          ) : (
            <div className="mt-6 space-y-4">
              {entries.data.entries.map((entry) => (
                <FaqEntryCard key={entry.id} entry={entry} />
              ))}
            </div>
          )}
        </>
      )}
    </section>
  );
}
