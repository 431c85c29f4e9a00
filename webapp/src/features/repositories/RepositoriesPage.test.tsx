import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { SIGNED_IN, mockApi, renderApp } from "../../test/api";

describe("repositories page", () => {
  it("shows each repository's figures, effective config and config errors with their lines", async () => {
    mockApi({
      "/api/me": SIGNED_IN,
      "/api/repositories": {
        status: 200,
        body: {
          repositories: [
            {
              installation_id: 42,
              full_name: "acme/widgets",
              private: true,
              active: true,
              config: { test_command: "pytest -q", faq: { auto_update: false }, paths: ["src", "lib"] },
              config_errors: [{ problem: "faq.auto_update must be true or false", line: 3 }],
              month_cost_usd: "1.20",
              month_tasks: 14,
              organisation_config: "acme/.github",
              budget: {
                monthly_usd: "10.00",
                monthly_tokens: null,
                spent_usd: "8.5",
                spent_tokens: 1000,
                share_used: 0.85,
                warning: "⚠️ This installation has used 85% of its monthly budget ($8.50 of $10.00).",
                exhausted: false,
                resets_at: "2027-01-01T00:00:00+00:00",
              },
            },
            {
              installation_id: 42,
              full_name: "acme/docs",
              private: false,
              active: false,
              config: {},
              config_errors: [],
              month_cost_usd: "0.00",
              month_tasks: 0,
            },
          ],
        },
      },
    });
    renderApp("/repositories");
    expect(await screen.findByRole("heading", { name: "Repositories", level: 1 })).toBeInTheDocument();
    const widgets = await screen.findByRole("article", { name: "acme/widgets" });
    expect(within(widgets).getByText("private")).toBeInTheDocument();
    expect(within(widgets).getByText("active")).toBeInTheDocument();
    expect(within(widgets).getByText("$1.20")).toBeInTheDocument();
    expect(within(widgets).getByRole("link", { name: "14" })).toHaveAttribute("href", "/tasks?repository=acme%2Fwidgets");
    expect(within(widgets).getByText("faq.auto_update").nextElementSibling).toHaveTextContent("false");
    expect(within(widgets).getByText("paths").nextElementSibling).toHaveTextContent('["src","lib"]');
    expect(within(widgets).getByRole("alert")).toHaveTextContent("Line 3: faq.auto_update must be true or false");
    expect(within(widgets).getByText("Installation budget this month").nextElementSibling).toHaveTextContent(
      "$8.50 of $10.00 (85%)",
    );
    expect(within(widgets).getByRole("status")).toHaveTextContent("used 85% of its monthly budget");
    expect(within(widgets).getByText(/Over the organisation's defaults in acme\/.github/)).toBeInTheDocument();
    const docs = screen.getByRole("article", { name: "acme/docs" });
    expect(within(docs).getByText("inactive")).toBeInTheDocument();
    expect(within(docs).queryByRole("alert")).not.toBeInTheDocument();
    expect(within(docs).queryByRole("status")).not.toBeInTheDocument();
  });

  it("says when there is none", async () => {
    mockApi({ "/api/me": SIGNED_IN, "/api/repositories": { status: 200, body: { repositories: [] } } });
    renderApp("/repositories");
    expect(await screen.findByText(/No repositories yet/)).toBeInTheDocument();
  });
});
