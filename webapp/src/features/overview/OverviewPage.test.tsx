import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { SIGNED_IN, mockApi, renderApp, type Recorded } from "../../test/api";

const ANALYTICS = {
  days: 30,
  outcomes_by_day: [
    { day: "2026-12-01", succeeded: 3, failed: 1, cancelled: 0, running: 0, queued: 0 },
    { day: "2026-12-02", succeeded: 0, failed: 2, cancelled: 1, running: 1, queued: 0 },
  ],
  pull_requests: { opened: 10, merged: 6, closed: 2, open: 2, merge_rate: 0.75 },
  time_to_pr_seconds: { p50: 95.0, p90: 300.0 },
  cost_per_merged_pr_usd: "0.84",
  total_cost_usd: "5.04",
  failures_by_reason: [
    { reason: "tests failed", count: 3 },
    { reason: "budget exceeded", count: 1 },
  ],
};

const days = (requested: Recorded[]) => requested.filter((r) => r.path === "/api/analytics").map((r) => r.query.get("days"));

describe("overview page", () => {
  it("renders the numbers, with text alternatives for the charts", async () => {
    const requested = mockApi({ "/api/me": SIGNED_IN, "/api/analytics": { status: 200, body: ANALYTICS } });
    renderApp("/overview");
    expect(await screen.findByRole("heading", { name: "Overview", level: 1 })).toBeInTheDocument();
    const outcomes = await screen.findByRole("table", { name: "Tasks by outcome per day" });
    const row = within(outcomes).getByRole("row", { name: /2026-12-02/ });
    expect(within(row).getAllByRole("cell").map((c) => c.textContent)).toEqual(["0", "2", "1", "1", "0"]);
    // one stacked bar per outcome that day
    expect(document.querySelectorAll("figure svg g")).toHaveLength(2);
    expect(document.querySelectorAll("figure svg g")[1]?.querySelectorAll("rect")).toHaveLength(3);

    const merge = screen.getByRole("region", { name: "Merge rate" });
    expect(merge).toHaveTextContent("75%");
    expect(merge).toHaveTextContent("6 merged of 8 merged or closed");
    expect(merge.querySelector("rect")).toHaveAttribute("width", "75%");
    const time = screen.getByRole("region", { name: "Time to pull request" });
    expect(within(time).getByText("1 min 35 s")).toBeInTheDocument();
    expect(within(time).getByText("5 min")).toBeInTheDocument();
    const cost = screen.getByRole("region", { name: "Cost" });
    expect(within(cost).getByText("$0.84")).toBeInTheDocument();
    expect(within(cost).getByText("$5.04")).toBeInTheDocument();
    const failures = within(screen.getByRole("list", { name: "Failures by reason" })).getAllByRole("listitem");
    expect(failures.map((li) => li.textContent)).toEqual(["tests failed3", "budget exceeded1"]);
    expect(days(requested)).toEqual(["30"]);
  });

  it("asks for the period the selector or the URL names", async () => {
    const requested = mockApi({ "/api/me": SIGNED_IN, "/api/analytics": (r) => ({ status: 200, body: { ...ANALYTICS, days: Number(r.query.get("days")) } }) });
    renderApp("/overview?days=7");
    const period = await screen.findByLabelText("Period");
    expect(period).toHaveValue("7");
    await userEvent.selectOptions(period, "90");
    await waitFor(() => expect(days(requested)).toEqual(["7", "90"]));
  });

  it("says when no pull request has closed yet", async () => {
    mockApi({
      "/api/me": SIGNED_IN,
      "/api/analytics": {
        status: 200,
        body: { ...ANALYTICS, pull_requests: { opened: 1, merged: 0, closed: 0, open: 1, merge_rate: null }, time_to_pr_seconds: null, cost_per_merged_pr_usd: null, failures_by_reason: [] },
      },
    });
    renderApp("/overview");
    const merge = await screen.findByRole("region", { name: "Merge rate" });
    expect(merge).toHaveTextContent("—");
    expect(merge).toHaveTextContent("No pull request has been merged or closed yet.");
    expect(screen.getByText("No failures in this period.")).toBeInTheDocument();
  });
});
