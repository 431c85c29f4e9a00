import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { describe, expect, it } from "vitest";
import { App } from "../App";
import { ME, SIGNED_IN, SIGNED_OUT, mockApi, renderApp, testClient } from "../test/api";

const CONFIGURED = { status: 200, body: { configured: true, install_url: "https://github.com/apps/m/installations/new" } };
const EMPTY_TASKS = { status: 200, body: { tasks: [], next_cursor: null } };

describe("the shell, signed out", () => {
  it.each(["/tasks", "/tasks/123", "/faq", "/repositories", "/overview", "/chat"])(
    "%s shows the sign-in screen when /api/me answers 401",
    async (path) => {
      const requested = mockApi({ "/api/me": SIGNED_OUT });
      renderApp(path);
      expect(await screen.findByRole("link", { name: "Sign in with GitHub" })).toHaveAttribute("href", "/login");
      expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("Sign in to MorningAI");
      expect(screen.queryByRole("navigation", { name: "Main" })).not.toBeInTheDocument();
      expect(screen.queryByRole("button", { name: "Sign out" })).not.toBeInTheDocument();
      // nothing but /api/me was asked: no page data without a session
      expect(new Set(requested.map((r) => r.path))).toEqual(new Set(["/api/me"]));
    },
  );

  it("/ shows the setup page while no App is configured", async () => {
    mockApi({
      "/api/setup/status": { status: 200, body: { configured: false, missing: ["GITHUB_APP_ID"] } },
      "/api/me": SIGNED_OUT,
    });
    renderApp("/");
    expect(await screen.findByRole("heading", { name: "Set up MorningAI" })).toBeInTheDocument();
    expect(await screen.findByRole("button", { name: "Register GitHub App" })).toBeInTheDocument();
  });

  it("/ shows the sign-in screen once an App is configured", async () => {
    mockApi({ "/api/setup/status": CONFIGURED, "/api/me": SIGNED_OUT });
    renderApp("/");
    expect(await screen.findByRole("link", { name: "Sign in with GitHub" })).toHaveAttribute("href", "/login");
    expect(screen.queryByRole("heading", { name: "Set up MorningAI" })).not.toBeInTheDocument();
  });
});

describe("the shell, signed in", () => {
  it("/ goes to the tasks; the header has the navigation and the person", async () => {
    mockApi({ "/api/setup/status": CONFIGURED, "/api/me": SIGNED_IN, "/api/tasks": EMPTY_TASKS });
    renderApp("/");
    expect(await screen.findByRole("heading", { name: "Tasks", level: 1 })).toBeInTheDocument();
    const nav = screen.getByRole("navigation", { name: "Main" });
    for (const name of ["Tasks", "FAQ", "Repositories", "Overview", "Chat"]) {
      expect(within(nav).getByRole("link", { name })).toBeInTheDocument();
    }
    expect(screen.getByText("octocat")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Sign out" })).toBeEnabled();
  });

  it("Sign out posts /api/logout with the CSRF header, then shows the sign-in screen", async () => {
    const requested = mockApi({
      "/api/me": SIGNED_IN,
      "/api/tasks": EMPTY_TASKS,
      "POST /api/logout": { status: 204 },
    });
    renderApp("/tasks");
    await userEvent.click(await screen.findByRole("button", { name: "Sign out" }));
    expect(await screen.findByRole("link", { name: "Sign in with GitHub" })).toBeInTheDocument();
    const logout = requested.find((r) => r.path === "/api/logout");
    expect(logout?.method).toBe("POST");
    expect(logout?.headers.get("X-MorningAI-CSRF")).toBe(ME.csrf_token);
    expect(logout?.credentials).toBe("same-origin");
    expect(screen.queryByRole("button", { name: "Sign out" })).not.toBeInTheDocument();
  });

  it("a read answered 401 mid-session goes back to the sign-in screen", async () => {
    mockApi({ "/api/me": SIGNED_IN, "/api/tasks": SIGNED_OUT });
    renderApp("/tasks");
    expect(await screen.findByRole("link", { name: "Sign in with GitHub" })).toBeInTheDocument();
  });

  it("says how to install the App when no installation within reach is a tenant", async () => {
    mockApi({
      "/api/me": { status: 200, body: { ...ME, installations: [{ id: 9, account: "acme", tenant: false }] } },
      "/api/setup/status": CONFIGURED,
      "/api/tasks": EMPTY_TASKS,
    });
    renderApp("/tasks");
    const notice = await screen.findByRole("complementary", { name: "Install the App" });
    expect(notice).toHaveTextContent("not installed on any account you can reach");
    expect(notice).toHaveTextContent("acme");
    await waitFor(() =>
      expect(within(notice).getByRole("link", { name: "Install the App on GitHub" })).toHaveAttribute(
        "href",
        "https://github.com/apps/m/installations/new",
      ),
    );
  });

  it("an unknown path says so", async () => {
    mockApi({ "/api/me": SIGNED_IN });
    render(
      <MemoryRouter initialEntries={["/nowhere"]}>
        <App client={testClient()} />
      </MemoryRouter>,
    );
    expect(await screen.findByRole("heading", { name: "Page not found" })).toBeInTheDocument();
  });
});

describe("page titles", () => {
  it("names the page in the document title", async () => {
    mockApi({ "/api/me": SIGNED_IN, "/api/tasks": { status: 200, body: { tasks: [], next_cursor: null } } });
    renderApp("/tasks");
    await screen.findByRole("heading", { name: "Tasks", level: 1 });
    await waitFor(() => expect(document.title).toBe("Tasks · MorningAI"));
  });
});
