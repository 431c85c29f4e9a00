import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { SIGNED_IN, mockApi, renderRoute, task, type Answer, type Recorded } from "../../test/api";
import { fakeEventSource } from "../../test/fakeEventSource";
import { TaskPage } from "./TaskPage";

const EVENTS = [
  { id: 301, type: "stage", message: "Reading the issue.", stage: "intake", link: null, at: "2026-12-04T10:00:05Z" },
  { id: 302, type: "stage", message: "Planning the change.", stage: "planning", link: null, at: "2026-12-04T10:00:09Z" },
];
const NEW_EVENT = { id: 303, type: "progress", message: "Editing src/a.py.", stage: "editing", link: null, at: "2026-12-04T10:00:20Z" };

function detail(overrides: Record<string, unknown> = {}, taskOverrides: Record<string, unknown> = {}) {
  return {
    task: task(taskOverrides),
    trigger: "label:morningai",
    instructions: "Add a --verbose flag.",
    events: EVENTS,
    model_calls: [],
    diff: null,
    verification: null,
    failure: null,
    can_act: true,
    ...overrides,
  };
}

function renderTask(answers: Record<string, Answer | ((r: Recorded) => Answer)>) {
  const requested = mockApi({ "/api/me": SIGNED_IN, ...answers });
  const fake = fakeEventSource();
  renderRoute("/tasks/17", "/tasks/:taskId", <TaskPage eventSource={fake.EventSource} />);
  return { requested, instances: fake.instances };
}

const timelineItems = () => within(screen.getByRole("list", { name: "Timeline" })).getAllByRole("listitem");
const taskReads = (requested: Recorded[]) => requested.filter((r) => r.path === "/api/tasks/17").length;

describe("task page", () => {
  it("shows the header and the stored timeline, then streams after the last stored event", async () => {
    const { instances } = renderTask({ "/api/tasks/17": { status: 200, body: detail() } });
    expect(await screen.findByRole("heading", { name: "Task #17", level: 1 })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "acme/widgets#12" })).toHaveAttribute("href", "https://github.com/acme/widgets/issues/12");
    expect(timelineItems().map((li) => li.textContent)).toEqual([
      expect.stringContaining("Reading the issue."),
      expect.stringContaining("Planning the change."),
    ]);
    expect(screen.getByRole("list", { name: "Timeline" })).toHaveAttribute("aria-live", "polite");
    await waitFor(() => expect(instances).toHaveLength(1));
    expect(instances[0]?.url).toBe("/api/tasks/17/events?last_event_id=302");
  });

  it("appends a streamed event once, however often it arrives", async () => {
    const { instances } = renderTask({ "/api/tasks/17": { status: 200, body: detail() } });
    await screen.findByRole("list", { name: "Timeline" });
    await waitFor(() => expect(instances).toHaveLength(1));
    const source = instances[0]!;
    source.emit("open");
    expect(screen.getByText("Live")).toBeInTheDocument();
    source.emit("task", NEW_EVENT);
    source.emit("task", NEW_EVENT); // a reconnect resends it
    source.emit("task", EVENTS[1]); // already stored
    expect(timelineItems()).toHaveLength(3);
    expect(timelineItems()[2]).toHaveTextContent("Editing src/a.py.");
  });

  it("shows unstored progress as 'Now', and refetches (not lists) a streamed model call", async () => {
    const { requested, instances } = renderTask({ "/api/tasks/17": { status: 200, body: detail() } });
    await screen.findByRole("list", { name: "Timeline" });
    await waitFor(() => expect(instances).toHaveLength(1));
    const source = instances[0]!;
    source.emit("task", { ...NEW_EVENT, id: null, message: "Reading src/b.py" });
    expect(screen.getByText(/Reading src\/b\.py/)).toBeInTheDocument();
    expect(timelineItems()).toHaveLength(2);
    source.emit("task", { ...NEW_EVENT, id: 304, type: "model", message: "model call" });
    await waitFor(() => expect(taskReads(requested)).toBe(2));
    expect(timelineItems()).toHaveLength(2);
    expect(screen.queryByText("model call")).not.toBeInTheDocument();
  });

  it("on end closes the stream and refetches the task", async () => {
    let finished = false;
    const { requested, instances } = renderTask({
      "/api/tasks/17": () => ({
        status: 200,
        body: finished
          ? detail({ events: [...EVENTS, NEW_EVENT] }, { status: "succeeded", finished_at: "2026-12-04T10:01:00Z" })
          : detail(),
      }),
    });
    await screen.findByRole("list", { name: "Timeline" });
    await waitFor(() => expect(instances).toHaveLength(1));
    expect(screen.getByText("running")).toBeInTheDocument();
    finished = true;
    instances[0]!.emit("end");
    expect(instances[0]!.closed).toBe(true);
    expect(await screen.findByText("succeeded")).toBeInTheDocument();
    expect(taskReads(requested)).toBe(2);
    expect(timelineItems()).toHaveLength(3);
    expect(screen.queryByRole("button", { name: "Stop" })).not.toBeInTheDocument();
  });

  it("falls back to polling every 3 s when the server refuses the stream", async () => {
    let polled = 0;
    const { requested, instances } = renderTask({
      "/api/tasks/17": () => {
        polled += 1;
        return { status: 200, body: detail({ events: polled > 1 ? [...EVENTS, NEW_EVENT] : EVENTS }) };
      },
    });
    await screen.findByRole("list", { name: "Timeline" });
    await waitFor(() => expect(instances).toHaveLength(1));
    instances[0]!.fail(true); // a 503: the browser closes it for good
    expect(instances[0]!.closed).toBe(true);
    expect(screen.getByText(/Live updates unavailable: refreshing every 3 s/)).toBeInTheDocument();
    await waitFor(() => expect(screen.getByText("Editing src/a.py.")).toBeInTheDocument(), { timeout: 4500 });
    expect(taskReads(requested)).toBeGreaterThanOrEqual(2);
    expect(instances).toHaveLength(1); // no new stream
  });

  it("Stop asks first, then posts with the CSRF header and refetches", async () => {
    const { requested } = renderTask({
      "/api/tasks/17": { status: 200, body: detail() },
      "POST /api/tasks/17/stop": { status: 202, body: { task: task({ status: "running" }) } },
    });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Stop" }));
    expect(requested.some((r) => r.method === "POST")).toBe(false);
    const confirm = screen.getByRole("button", { name: "Confirm stop" });
    expect(confirm).toHaveFocus();
    await user.click(confirm);
    await waitFor(() => expect(taskReads(requested)).toBe(2));
    const stop = requested.find((r) => r.method === "POST");
    expect(stop?.path).toBe("/api/tasks/17/stop");
    expect(stop?.headers.get("X-MorningAI-CSRF")).toBe("csrf-abc");
    expect(stop?.credentials).toBe("same-origin");
    expect(await screen.findByText("Stop requested.")).toBeInTheDocument();
  });

  it("Cancel and Escape send nothing and give the focus back to Stop", async () => {
    const { requested } = renderTask({ "/api/tasks/17": { status: 200, body: detail() } });
    const user = userEvent.setup();
    const stop = await screen.findByRole("button", { name: "Stop" });
    await user.click(stop);
    await user.click(screen.getByRole("button", { name: "Cancel" }));
    expect(stop).toHaveFocus();
    await user.keyboard("{Enter}");
    expect(screen.getByRole("button", { name: "Confirm stop" })).toHaveFocus();
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("button", { name: "Confirm stop" })).not.toBeInTheDocument();
    expect(stop).toHaveFocus();
    expect(requested.some((r) => r.method === "POST")).toBe(false);
  });

  it("shows the API's words when stopping is refused", async () => {
    renderTask({
      "/api/tasks/17": { status: 200, body: detail() },
      "POST /api/tasks/17/stop": { status: 409, body: { error: "The task has already finished." } },
    });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Stop" }));
    await user.click(screen.getByRole("button", { name: "Confirm stop" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("The task has already finished.");
  });

  it("disables Stop without write permission", async () => {
    renderTask({ "/api/tasks/17": { status: 200, body: detail({ can_act: false }) } });
    const stop = await screen.findByRole("button", { name: "Stop" });
    expect(stop).toBeDisabled();
    expect(stop).toHaveAccessibleDescription("You need write access to acme/widgets to stop this task.");
  });

  it("a failed task: Retry, failure card, diff, verification and model calls; no stream", async () => {
    const { requested, instances } = renderTask({
      "/api/tasks/17": {
        status: 200,
        body: detail(
          {
            failure: { reason: "The tests failed.", what_to_do: "Fix test_a, then retry." },
            diff: "--- a/src/a.py\n+++ b/src/a.py\n@@ -1 +1 @@\n-old\n+new\n",
            verification: { passed: false, command: "pytest -q", output_tail: "1 failed" },
            model_calls: [{ at: "2026-12-04T10:00:10Z", model: "gpt-test", prompt_tokens: 1000, completion_tokens: 200, cost_usd: "0.0100", purpose: "plan" }],
          },
          { status: "failed", finished_at: "2026-12-04T10:01:00Z" },
        ),
      },
      "POST /api/tasks/17/retry": { status: 202, body: { task: task({ id: 18, status: "queued" }) } },
    });
    expect(await screen.findByRole("region", { name: "Why it failed" })).toHaveTextContent("Fix test_a, then retry.");
    expect(screen.queryByRole("button", { name: "Stop" })).not.toBeInTheDocument();
    const diff = screen.getByRole("region", { name: "Diff" });
    expect(within(diff).getByText("+new")).toHaveClass("text-emerald-900");
    expect(within(diff).getByText("-old")).toHaveClass("text-red-900");
    expect(screen.getByText("pytest -q")).toBeInTheDocument();
    expect(screen.getByText("1 failed")).toBeInTheDocument();
    const calls = within(screen.getByRole("region", { name: "Model calls table" }));
    expect(calls.getByRole("cell", { name: "1,000" })).toBeInTheDocument();
    expect(calls.getByRole("cell", { name: "$0.01" })).toBeInTheDocument();
    expect(instances).toHaveLength(0);

    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Retry" }));
    await user.click(screen.getByRole("button", { name: "Confirm retry" }));
    expect(await screen.findByRole("link", { name: "task #18" })).toHaveAttribute("href", "/tasks/18");
    expect(requested.find((r) => r.method === "POST")?.headers.get("X-MorningAI-CSRF")).toBe("csrf-abc");
  });

  it("shows the checks when verification comes as a summary and checks", async () => {
    renderTask({
      "/api/tasks/17": {
        status: 200,
        body: detail(
          {
            verification: {
              passed: false,
              summary: "failed: tests",
              checks: [
                { name: "lint", ok: true, ran: true, detail: "" },
                { name: "tests", ok: false, ran: true, detail: "E   assert 1 == 2" },
              ],
            },
          },
          { status: "failed" },
        ),
      },
    });
    const checks = await screen.findByRole("list", { name: "Checks" });
    const [lint, tests] = within(checks).getAllByRole("listitem") as [HTMLElement, HTMLElement];
    expect(lint).toHaveTextContent("lintpassed");
    expect(tests).toHaveTextContent("testsfailed");
    expect(within(tests).getByLabelText("Output of tests")).toHaveTextContent("E assert 1 == 2");
    expect(screen.getByText("failed: tests")).toBeInTheDocument();
  });

  it("says so when the task is not within reach", async () => {
    renderTask({ "/api/tasks/17": { status: 404, body: { error: "not found" } } });
    expect(await screen.findByRole("alert")).toHaveTextContent("Task not found");
    expect(screen.getByRole("heading", { name: "Task #17" })).toBeInTheDocument();
  });
});
