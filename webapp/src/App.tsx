import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { Route, Routes } from "react-router";
import { AppShell } from "./components/AppShell";
import { NotFound } from "./components/NotFound";
import { FaqPage } from "./features/faq/FaqPage";
import { OverviewPage } from "./features/overview/OverviewPage";
import { RepositoriesPage } from "./features/repositories/RepositoriesPage";
import { SetupPage } from "./features/setup/SetupPage";
import { TasksPage } from "./features/tasks/TasksPage";

export function makeQueryClient() {
  return new QueryClient({ defaultOptions: { queries: { retry: 1, staleTime: 10_000 } } });
}

export function AppRoutes() {
  return (
    <Routes>
      <Route element={<AppShell />}>
        <Route index element={<SetupPage />} />
        <Route path="setup" element={<SetupPage />} />
        <Route path="tasks" element={<TasksPage />} />
        <Route path="tasks/:taskId" element={<TasksPage />} />
        <Route path="faq" element={<FaqPage />} />
        <Route path="repositories" element={<RepositoriesPage />} />
        <Route path="overview" element={<OverviewPage />} />
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
