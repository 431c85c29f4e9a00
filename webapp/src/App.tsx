import { QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { Route, Routes } from "react-router";
import { ApiError } from "./api/client";
import { AppShell } from "./components/AppShell";
import { NotFound } from "./components/NotFound";
import { HomePage } from "./features/auth/HomePage";
import { RequireSignIn } from "./features/auth/RequireSignIn";
import { forgetSession } from "./features/auth/useMe";
import { ChatPage } from "./features/chat/ChatPage";
import { FaqPage } from "./features/faq/FaqPage";
import { OverviewPage } from "./features/overview/OverviewPage";
import { RepositoriesPage } from "./features/repositories/RepositoriesPage";
import { SetupPage } from "./features/setup/SetupPage";
import { TaskPage } from "./features/tasks/TaskPage";
import { TasksPage } from "./features/tasks/TasksPage";

/** Retries once, and never a 4xx: the answer would not change. */
function retry(failures: number, error: Error): boolean {
  if (error instanceof ApiError && error.status >= 400 && error.status < 500) return false;
  return failures < 1;
}

export function makeQueryClient() {
  const client: QueryClient = new QueryClient({
    // A read answered 401 mid-session (the session expired or was revoked): back to sign-in.
    queryCache: new QueryCache({
      onError: (error, query) => {
        if (error instanceof ApiError && error.status === 401 && query.queryKey[0] !== "me") {
          forgetSession(client);
        }
      },
    }),
    defaultOptions: { queries: { retry, staleTime: 10_000 } },
  });
  return client;
}

export function AppRoutes() {
  return (
    <Routes>
      <Route element={<AppShell />}>
        <Route index element={<HomePage />} />
        <Route path="setup" element={<SetupPage />} />
        <Route element={<RequireSignIn />}>
          <Route path="tasks" element={<TasksPage />} />
          <Route path="tasks/:taskId" element={<TaskPage />} />
          <Route path="faq" element={<FaqPage />} />
          <Route path="repositories" element={<RepositoriesPage />} />
          <Route path="overview" element={<OverviewPage />} />
          <Route path="chat" element={<ChatPage />} />
        </Route>
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}

export function App({ client }: { client: QueryClient }) {
  return (
    <QueryClientProvider client={client}>
      <AppRoutes />
    </QueryClientProvider>
  );
}
