// `/tasks`: MorningAI's tasks, newest first, filtered by the URL's query string, a page at a time.
import { useInfiniteQuery } from "@tanstack/react-query";
import { Link, useSearchParams } from "react-router";
import { api, type TaskFilters } from "../../api/client";
import { ErrorNote } from "../../components/ErrorNote";
import { Empty, Loading } from "../../components/StatusNote";
import { link, secondaryButton } from "../../components/styles";
import { filtersFrom, hasFilters, paramsFrom } from "./filters";
import { TaskFiltersForm } from "./TaskFiltersForm";
import { TasksTable } from "./TasksTable";

export const REFRESH_MS = 10_000;

export function TasksPage() {
  const [params, setParams] = useSearchParams();
  const filters = filtersFrom(params);
  const tasks = useInfiniteQuery({
    queryKey: ["tasks", paramsFrom(filters).toString()],
    queryFn: ({ pageParam }) => api.tasks(pageParam ? { ...filters, cursor: pageParam } : filters),
    initialPageParam: "",
    getNextPageParam: (last) => last.next_cursor,
    // while a task shown is queued or running, its status and figures change: re-read them
    refetchInterval: (query) =>
      query.state.data?.pages.some((page) => page.tasks.some((t) => t.status === "queued" || t.status === "running"))
        ? REFRESH_MS
        : false,
  });
  const rows = tasks.data?.pages.flatMap((page) => page.tasks) ?? [];
  const filtered = hasFilters(filters);

  function onFilters(next: TaskFilters) {
    setParams(paramsFrom(next));
  }

  return (
    <section aria-labelledby="tasks-title">
      <title>Tasks · MorningAI</title>
      <h1 id="tasks-title" className="text-2xl font-semibold tracking-tight">
        Tasks
      </h1>
      <TaskFiltersForm filters={filters} onChange={onFilters} />
      {filtered && (
        <p className="mt-3 text-sm">
          <Link to="/tasks" className={link}>
            Clear filters
          </Link>
        </p>
      )}
      {tasks.isPending && <Loading>Loading tasks…</Loading>}
      {tasks.isError && !tasks.isFetchNextPageError && <ErrorNote title="Could not load the tasks">{tasks.error.message}</ErrorNote>}
      {tasks.isSuccess && rows.length === 0 && (
        <Empty>
          {filtered
            ? "No tasks match these filters."
            : "No tasks yet. Label an issue or write /morningai on one, and its task appears here."}
        </Empty>
      )}
      {rows.length > 0 && <TasksTable tasks={rows} />}
      {tasks.isFetchNextPageError && (
        <ErrorNote title="Could not load more tasks">{tasks.error?.message ?? ""}</ErrorNote>
      )}
      {tasks.hasNextPage && (
        <button
          type="button"
          className={`mt-4 ${secondaryButton}`}
          disabled={tasks.isFetchingNextPage}
          onClick={() => void tasks.fetchNextPage()}
        >
          {tasks.isFetchingNextPage ? "Loading more…" : "Load more"}
        </button>
      )}
      {rows.length > 0 && (
        <p role="status" className="sr-only">
          Showing {rows.length} tasks{tasks.hasNextPage ? "; more are available" : ""}.
        </p>
      )}
    </section>
  );
}
