// The tasks list's filters live in the URL query string (shareable, kept by back/forward).
import type { TaskFilters } from "../../api/client";

export const FILTER_KEYS = ["repository", "kind", "status", "requested_by"] as const;

export function filtersFrom(params: URLSearchParams): TaskFilters {
  const filters: TaskFilters = {};
  const repository = params.get("repository");
  const kind = params.get("kind");
  const requestedBy = params.get("requested_by");
  const status = params.getAll("status").filter(Boolean);
  if (repository) filters.repository = repository;
  if (kind) filters.kind = kind;
  if (requestedBy) filters.requested_by = requestedBy;
  if (status.length) filters.status = status;
  return filters;
}

export function hasFilters(filters: TaskFilters): boolean {
  return Boolean(filters.repository || filters.kind || filters.requested_by || filters.status?.length);
}

/** The query string for these filters (other parameters dropped: a new filter starts a new list). */
export function paramsFrom(filters: TaskFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.repository) params.set("repository", filters.repository);
  if (filters.kind) params.set("kind", filters.kind);
  for (const status of filters.status ?? []) params.append("status", status);
  if (filters.requested_by) params.set("requested_by", filters.requested_by);
  return params;
}
