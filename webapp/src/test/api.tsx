// Test helpers: a stubbed fetch that answers per /api path and records every request, and a
// render of the whole app (or one route) with a fresh query client.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter, Route, Routes } from "react-router";
import { vi } from "vitest";
import { App, makeQueryClient } from "../App";

export type Answer = { status: number; body?: unknown };
export type Answers = Record<string, Answer | ((request: Recorded) => Answer)>;

export interface Recorded {
  url: string;
  path: string;
  query: URLSearchParams;
  method: string;
  headers: Headers;
  credentials: RequestCredentials | undefined;
  /** the request body, as sent (JSON text for the writes that carry one) */
  body: string | null;
}

export function mockApi(answers: Answers): Recorded[] {
  const requested: Recorded[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input);
      const parsed = new URL(url, "http://localhost");
      const request: Recorded = {
        url,
        path: parsed.pathname,
        query: parsed.searchParams,
        method: init?.method ?? "GET",
        headers: new Headers(init?.headers),
        credentials: init?.credentials,
        body: typeof init?.body === "string" ? init.body : null,
      };
      requested.push(request);
      const found = answers[`${request.method} ${request.path}`] ?? answers[request.path];
      const answer =
        typeof found === "function" ? found(request) : (found ?? { status: 404, body: { error: "not found" } });
      return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), {
        status: answer.status,
        headers: { "Content-Type": "application/json" },
      });
    }),
  );
  return requested;
}

/** The app's own query client (its 401 handling included), without retries. */
export function testClient(): QueryClient {
  const client = makeQueryClient();
  client.setDefaultOptions({ queries: { retry: false } });
  return client;
}

/** The whole app (shell, sign-in, routes) at this path. */
export function renderApp(path: string, client: QueryClient = testClient()): QueryClient {
  render(
    <MemoryRouter initialEntries={[path]}>
      <App client={client} />
    </MemoryRouter>,
  );
  return client;
}

/** One page on its route (to pass it props the app does not, such as a fake EventSource). */
export function renderRoute(path: string, route: string, page: ReactElement): QueryClient {
  const client = testClient();
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path={route} element={page} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return client;
}

export const ME = {
  user: { login: "octocat", id: 1, avatar_url: "https://avatars.githubusercontent.com/u/1" },
  installations: [{ id: 42, account: "acme", tenant: true }],
  csrf_token: "csrf-abc",
};

export const SIGNED_IN: Answer = { status: 200, body: ME };
export const SIGNED_OUT: Answer = { status: 401, body: { error: "not signed in" } };

export function task(overrides: Record<string, unknown> = {}) {
  return {
    id: 17,
    installation_id: 42,
    account: "acme",
    kind: "code",
    status: "running",
    repository: "acme/widgets",
    number: 12,
    thread_url: "https://github.com/acme/widgets/issues/12",
    requested_by: "octocat",
    trace_id: "trace-1",
    attempts: 1,
    max_attempts: 3,
    error: null,
    model: "gpt-test",
    prompt_tokens: 1200,
    completion_tokens: 300,
    cost_usd: "0.0123",
    pr_number: null,
    pr_url: null,
    pr_state: null,
    created_at: "2026-12-04T10:00:00Z",
    started_at: "2026-12-04T10:00:05Z",
    finished_at: null,
    duration_seconds: null,
    ...overrides,
  };
}
