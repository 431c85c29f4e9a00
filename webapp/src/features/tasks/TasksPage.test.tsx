import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { SIGNED_IN, mockApi, renderApp, task, type Recorded } from "../../test/api";

const REPOSITORIES = {
  status: 200,
  body: {
    repositories: [
      { installation_id: 42, full_name: "acme/widgets", private: false, active: true, config: {}, config_errors: [], month_cost_usd: "0", month_tasks: 0 },
      { installation_id: 42, full_name: "acme/gadgets", private: true, active: true, config: {}, config_errors: [], month_cost_usd: "0", month_tasks: 0 },
    ],
  },
};

const FIRST_PAGE = [
  task({ id: 18, status: "succeeded", pr_number: 13, pr_url: "https://github.com/acme/widgets/pull/13", pr_state: "merged", duration_seconds: 95, finished_at: "2026-12-04T10:01:40Z" }),
  task({ id: 17, status: "running", kind: "revise", repository: "acme/gadgets", number: 4, thread_url: "https://github.com/acme/gadgets/pull/4", requested_by: "hubot" }),
];

function tasksApi(pages: Record<string, { tasks: unknown[]; next_cursor: string | null }>) {
  return (request: Recorded) => ({ status: 200, body: pages[request.query.get("cursor") ?? ""] ?? { tasks: [], next_cursor: null } });
}

const lastTasksQuery = (requested: Recorded[]) =>
  requested.filter((r) => r.path === "/api/tasks").at(-1)?.query;

describe("tasks page", () => {
  it("renders a row per task, newest first, with links, badges and figures", async () => {
    mockApi({ "/api/me": SIGNED_IN, "/api/repositories": REPOSITORIES, "/api/tasks": tasksApi({ "": { tasks: FIRST_PAGE, next_cursor: null } }) });
    renderApp("/tasks");
    const table = await screen.findByRole("table");
    const rows = within(table).getAllByRole("row").slice(1); // the header row first
    expect(rows).toHaveLength(2);
    const [first, second] = rows as [HTMLElement, HTMLElement];
    expect(within(first).getByRole("link", { name: "Task #18" })).toHaveAttribute("href", "/tasks/18");
    expect(within(first).getByText("succeeded")).toBeInTheDocument();
    expect(within(first).getByRole("link", { name: "acme/widgets#12" })).toHaveAttribute("href", "https://github.com/acme/widgets/issues/12");
    expect(within(first).getByRole("link", { name: "Pull request #13" })).toHaveAttribute("href", "https://github.com/acme/widgets/pull/13");
    expect(within(first).getByText("merged")).toBeInTheDocument();
    expect(within(first).getByText("1 min 35 s")).toBeInTheDocument();
    expect(within(first).getByText("1,500")).toBeInTheDocument();
    expect(within(first).getByText("$0.0123")).toBeInTheDocument();
    const times = first.querySelectorAll("time");
    expect(times[0]).toHaveAttribute("dateTime", "2026-12-04T10:00:00Z");
    expect(times[0]?.getAttribute("title")).toMatch(/2026/);
    expect(within(second).getByRole("link", { name: "Task #17" })).toBeInTheDocument();
    expect(within(second).getByText("hubot")).toBeInTheDocument();
    expect(within(second).getByText("revise")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Load more" })).not.toBeInTheDocument();
  });

  it("sends the URL's filters and changes the query when a filter changes", async () => {
    const requested = mockApi({ "/api/me": SIGNED_IN, "/api/repositories": REPOSITORIES, "/api/tasks": tasksApi({ "": { tasks: FIRST_PAGE, next_cursor: null } }) });
    renderApp("/tasks?status=failed&kind=code");
    await screen.findByRole("table");
    expect(lastTasksQuery(requested)?.getAll("status")).toEqual(["failed"]);
    expect(lastTasksQuery(requested)?.get("kind")).toBe("code");
    expect(screen.getByLabelText("failed")).toBeChecked();
    expect(screen.getByLabelText("Kind")).toHaveValue("code");

    const user = userEvent.setup();
    await user.click(screen.getByLabelText("cancelled"));
    await waitFor(() => expect(lastTasksQuery(requested)?.getAll("status")).toEqual(["failed", "cancelled"]));

    await screen.findByRole("option", { name: "acme/gadgets" });
    await user.selectOptions(screen.getByLabelText("Repository"), "acme/gadgets");
    await waitFor(() => expect(lastTasksQuery(requested)?.get("repository")).toBe("acme/gadgets"));

    await user.type(screen.getByLabelText("Requested by"), "hubot");
    await user.click(screen.getByRole("button", { name: "Apply" }));
    await waitFor(() => expect(lastTasksQuery(requested)?.get("requested_by")).toBe("hubot"));
    const query = lastTasksQuery(requested);
    expect(query?.get("kind")).toBe("code");
    expect(query?.has("cursor")).toBe(false);

    await user.click(screen.getByRole("link", { name: "Clear filters" }));
    await waitFor(() => expect(lastTasksQuery(requested)?.toString()).toBe(""));
    expect(screen.getByLabelText("Requested by")).toHaveValue("");
  });

  it("loads the next page with next_cursor", async () => {
    const requested = mockApi({
      "/api/me": SIGNED_IN,
      "/api/repositories": REPOSITORIES,
      "/api/tasks": tasksApi({
        "": { tasks: FIRST_PAGE, next_cursor: "c2" },
        c2: { tasks: [task({ id: 3, status: "failed" })], next_cursor: null },
      }),
    });
    renderApp("/tasks?kind=code");
    await screen.findByRole("link", { name: "Task #18" });
    await userEvent.click(screen.getByRole("button", { name: "Load more" }));
    expect(await screen.findByRole("link", { name: "Task #3" })).toBeInTheDocument();
    expect(lastTasksQuery(requested)?.get("cursor")).toBe("c2");
    expect(lastTasksQuery(requested)?.get("kind")).toBe("code");
    expect(screen.getAllByRole("row")).toHaveLength(4);
    expect(screen.queryByRole("button", { name: "Load more" })).not.toBeInTheDocument();
  });

  it("says when no task matches the filters", async () => {
    mockApi({ "/api/me": SIGNED_IN, "/api/repositories": REPOSITORIES, "/api/tasks": { status: 200, body: { tasks: [], next_cursor: null } } });
    renderApp("/tasks?status=failed");
    expect(await screen.findByText("No tasks match these filters.")).toBeInTheDocument();
    expect(screen.queryByRole("table")).not.toBeInTheDocument();
  });

  it("shows the API's error", async () => {
    mockApi({ "/api/me": SIGNED_IN, "/api/repositories": REPOSITORIES, "/api/tasks": { status: 500, body: { error: "the database is not answering" } } });
    renderApp("/tasks");
    expect(await screen.findByRole("alert")).toHaveTextContent("the database is not answering");
  });
});
