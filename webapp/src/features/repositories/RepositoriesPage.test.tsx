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
    const docs = screen.getByRole("article", { name: "acme/docs" });
    expect(within(docs).getByText("inactive")).toBeInTheDocument();
    expect(within(docs).queryByRole("alert")).not.toBeInTheDocument();
  });

  it("says when there is none", async () => {
    mockApi({ "/api/me": SIGNED_IN, "/api/repositories": { status: 200, body: { repositories: [] } } });
    renderApp("/repositories");
    expect(await screen.findByText(/No repositories yet/)).toBeInTheDocument();
  });
});
