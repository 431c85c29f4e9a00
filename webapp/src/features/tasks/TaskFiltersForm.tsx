// Filters of the tasks list: repository, kind, status (several), requested by.
import { useId, useState, type FormEvent } from "react";
import { TASK_KINDS, TASK_STATUSES, type TaskFilters } from "../../api/client";
import { field, secondaryButton } from "../../components/styles";
import { RepositorySelect } from "../repositories/RepositorySelect";

export function TaskFiltersForm({
  filters,
  onChange,
}: {
  filters: TaskFilters;
  onChange: (filters: TaskFilters) => void;
}) {
  const ids = useId();
  const applied = filters.requested_by ?? "";
  const [requestedBy, setRequestedBy] = useState(applied);
  const [shown, setShown] = useState(applied);
  if (shown !== applied) {
    // the URL changed underneath (back/forward, "Clear filters"): show what applies now
    setShown(applied);
    setRequestedBy(applied);
  }
  const statuses = filters.status ?? [];

  function set(patch: Partial<TaskFilters>) {
    onChange({ ...filters, ...patch });
  }

  function toggleStatus(status: string, on: boolean) {
    set({ status: on ? [...statuses, status] : statuses.filter((s) => s !== status) });
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    set({ requested_by: requestedBy.trim() });
  }

  return (
    <form
      role="search"
      aria-label="Filter tasks"
      onSubmit={onSubmit}
      className="mt-6 grid gap-4 sm:grid-cols-2 lg:grid-cols-4"
    >
      <RepositorySelect value={filters.repository ?? ""} onChange={(repository) => set({ repository })} />
      <div>
        <label htmlFor={`${ids}-kind`} className="text-sm font-medium">
          Kind
        </label>
        <select
          id={`${ids}-kind`}
          className={field}
          value={filters.kind ?? ""}
          onChange={(e) => set({ kind: e.target.value })}
        >
          <option value="">All kinds</option>
          {TASK_KINDS.map((kind) => (
            <option key={kind} value={kind}>
              {kind}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor={`${ids}-by`} className="text-sm font-medium">
          Requested by
        </label>
        <div className="flex gap-2">
          <input
            id={`${ids}-by`}
            className={field}
            value={requestedBy}
            placeholder="GitHub login"
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => setRequestedBy(e.target.value)}
          />
          <button type="submit" className={`${secondaryButton} mt-1 px-3`}>
            Apply
          </button>
        </div>
      </div>
      <fieldset className="sm:col-span-2 lg:col-span-1">
        <legend className="text-sm font-medium">Status</legend>
        <div className="mt-1 flex flex-wrap gap-x-3">
          {TASK_STATUSES.map((status) => (
            <label key={status} className="inline-flex min-h-9 items-center gap-1.5 text-sm">
              <input
                type="checkbox"
                className="size-4 accent-blue-700"
                checked={statuses.includes(status)}
                onChange={(e) => toggleStatus(status, e.target.checked)}
              />
              {status}
            </label>
          ))}
        </div>
      </fieldset>
    </form>
  );
}
