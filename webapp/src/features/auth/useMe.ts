// The signed-in person (GET /api/me), or null when the server answers 401 (signed out).
import { useQuery, type QueryClient } from "@tanstack/react-query";
import { ApiError, api, type Me } from "../../api/client";

export const ME_KEY = ["me"] as const;

async function readMe(): Promise<Me | null> {
  try {
    return await api.me();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export function useMe() {
  return useQuery({ queryKey: ME_KEY, queryFn: readMe, staleTime: 60_000 });
}

/** The CSRF token writes carry, or null when signed out or not known yet. */
export function useCsrfToken(): string | null {
  return useMe().data?.csrf_token ?? null;
}

/** Signed out (logout, or any read answered 401): forget the person and everything read for them. */
export function forgetSession(client: QueryClient): void {
  client.setQueryData(ME_KEY, null);
  client.removeQueries({ predicate: (query) => query.queryKey[0] !== "me" && query.queryKey[0] !== "setup" });
}
