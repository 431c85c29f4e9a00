import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { SIGNED_IN, mockApi, renderApp, type Recorded } from "../../test/api";

const ENTRY = {
  id: 5,
  installation_id: 42,
  repository: "acme/widgets",
  question: "How do I run the tests?",
  answer: "Run `make test`.\n<script>alert(1)</script><b>bold</b>",
  stale: true,
  sources: [
    { kind: "file", path: "Makefile", start_line: 10, end_line: 14, url: "https://github.com/acme/widgets/blob/abc/Makefile#L10-L14" },
    { kind: "issue", number: 9, url: "https://github.com/acme/widgets/issues/9" },
  ],
  source_pr: 13,
  source_url: "https://github.com/acme/widgets/pull/13",
  updated_at: "2026-12-01T09:00:00Z",
};

const REPOSITORIES = { status: 200, body: { repositories: [] } };
const faqQueries = (requested: Recorded[]) => requested.filter((r) => r.path === "/api/faq").map((r) => r.query.toString());

describe("FAQ page", () => {
  it("lists the newest entries with citations, the stale badge and the source PR; markdown stays text", async () => {
    const requested = mockApi({ "/api/me": SIGNED_IN, "/api/repositories": REPOSITORIES, "/api/faq": { status: 200, body: { entries: [ENTRY] } } });
    renderApp("/faq");
    expect(await screen.findByRole("heading", { name: "FAQ library" })).toBeInTheDocument();
    const entry = await screen.findByRole("article", { name: "How do I run the tests?" });
    expect(within(entry).getByText("stale")).toBeInTheDocument();
    expect(within(entry).getByRole("link", { name: "Makefile:10–14" })).toHaveAttribute("href", ENTRY.sources[0]!.url);
    expect(within(entry).getByRole("link", { name: "Issue #9" })).toHaveAttribute("href", ENTRY.sources[1]!.url);
    expect(within(entry).getByRole("link", { name: "pull request #13" })).toHaveAttribute("href", ENTRY.source_url);
    expect(within(entry).getByText(/<script>alert\(1\)<\/script><b>bold<\/b>/)).toBeInTheDocument();
    expect(entry.querySelector("script, b")).toBeNull();
    expect(faqQueries(requested)).toEqual([""]);
  });

  it("searches with q after typing stops, and keeps q in the URL", async () => {
    const requested = mockApi({
      "/api/me": SIGNED_IN,
      "/api/repositories": REPOSITORIES,
      "/api/faq": (request) => ({ status: 200, body: { entries: request.query.get("q") === "run tests" ? [ENTRY] : [] } }),
    });
    renderApp("/faq?repository=acme/widgets");
    expect(await screen.findByText("No FAQ entry matches this search.")).toBeInTheDocument();
    await userEvent.type(screen.getByRole("searchbox", { name: "Search the FAQ" }), "run tests");
    expect(await screen.findByRole("article", { name: "How do I run the tests?" })).toBeInTheDocument();
    // one search for the whole phrase (debounced), not one per keystroke
    await waitFor(() => expect(faqQueries(requested)).toEqual(["repository=acme%2Fwidgets", "q=run+tests&repository=acme%2Fwidgets"]));
  });

  it("reads q from the URL", async () => {
    const requested = mockApi({ "/api/me": SIGNED_IN, "/api/repositories": REPOSITORIES, "/api/faq": { status: 200, body: { entries: [] } } });
    renderApp("/faq?q=deploy");
    expect(await screen.findByRole("searchbox", { name: "Search the FAQ" })).toHaveValue("deploy");
    await waitFor(() => expect(faqQueries(requested)).toEqual(["q=deploy"]));
  });

  it("shows the API's error", async () => {
    mockApi({ "/api/me": SIGNED_IN, "/api/repositories": REPOSITORIES, "/api/faq": { status: 502, body: { error: "GitHub did not answer" } } });
    renderApp("/faq");
    expect(await screen.findByRole("alert")).toHaveTextContent("GitHub did not answer");
  });
});
