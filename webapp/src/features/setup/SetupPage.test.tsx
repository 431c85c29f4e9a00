import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { ReactNode } from "react";
import { describe, expect, it, vi } from "vitest";
import { SetupPage } from "./SetupPage";

type Answer = { status: number; body: unknown };

/** Stubs fetch with one answer per /api path; returns the requested URLs. */
function mockApi(answers: Record<string, Answer>): string[] {
  const requested: string[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL) => {
      const url = String(input);
      requested.push(url);
      const path = url.split("?")[0] ?? url;
      const answer = answers[path] ?? { status: 404, body: { error: "not found" } };
      return new Response(JSON.stringify(answer.body), {
        status: answer.status,
        headers: { "Content-Type": "application/json" },
      });
    }),
  );
  return requested;
}

function renderPage(): void {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={client}>{children}</QueryClientProvider>
  );
  render(<SetupPage />, { wrapper });
}

const NOT_CONFIGURED: Answer = {
  status: 200,
  body: { configured: false, missing: ["GITHUB_APP_ID", "GITHUB_WEBHOOK_SECRET"], install_url: null },
};
const MANIFEST = {
  name: "MorningAI",
  url: "https://morning.example",
  hook_attributes: { url: "https://morning.example/api/github/webhooks" },
  redirect_url: "https://morning.example/setup/complete",
};
const POST_URL = "https://github.com/organizations/acme/settings/apps/new?state=s-123";

/** Captures the form the page submits (jsdom cannot navigate). */
function captureSubmit(): { form: HTMLFormElement | null } {
  const captured: { form: HTMLFormElement | null } = { form: null };
  vi.spyOn(HTMLFormElement.prototype, "submit").mockImplementation(function (
    this: HTMLFormElement,
  ) {
    captured.form = this;
  });
  return captured;
}

describe("setup page, no App registered", () => {
  it("renders the fields with labels and their defaults", async () => {
    mockApi({ "/api/setup/status": NOT_CONFIGURED });
    renderPage();
    expect(await screen.findByLabelText("App name")).toHaveValue("MorningAI");
    expect(screen.getByText("GITHUB_APP_ID")).toBeInTheDocument();
    expect(screen.getByLabelText("Public URL")).toHaveValue(window.location.origin);
    expect(screen.getByLabelText("My personal account")).toBeChecked();
    expect(screen.queryByLabelText("Organisation name")).not.toBeInTheDocument();
    await userEvent.click(screen.getByLabelText("An organisation"));
    expect(screen.getByLabelText("Organisation name")).toBeRequired();
    expect(screen.getByRole("button", { name: "Register GitHub App" })).toBeEnabled();
  });

  it("fetches the manifest and posts it to GitHub as a form", async () => {
    const requested = mockApi({
      "/api/setup/status": NOT_CONFIGURED,
      "/api/setup/manifest": {
        status: 200,
        body: { manifest: MANIFEST, post_url: POST_URL, state: "s-123" },
      },
    });
    const captured = captureSubmit();
    renderPage();
    const user = userEvent.setup();
    const urlField = await screen.findByLabelText("Public URL");
    await user.clear(urlField);
    await user.type(urlField, "https://morning.example");
    await user.click(screen.getByLabelText("An organisation"));
    await user.type(screen.getByLabelText("Organisation name"), "acme");
    await user.click(screen.getByRole("button", { name: "Register GitHub App" }));

    await waitFor(() => expect(captured.form).not.toBeNull());
    const form = captured.form as HTMLFormElement;
    expect(form.method).toBe("post");
    expect(form.action).toBe(POST_URL);
    const fields = form.querySelectorAll("input");
    expect(fields).toHaveLength(1);
    const manifest = fields[0] as HTMLInputElement;
    expect(manifest.name).toBe("manifest");
    expect(manifest.type).toBe("hidden");
    expect(JSON.parse(manifest.value)).toEqual(MANIFEST);

    const asked = new URL(requested.find((u) => u.startsWith("/api/setup/manifest")) ?? "", "http://x");
    expect(Object.fromEntries(asked.searchParams)).toEqual({
      url: "https://morning.example",
      org: "acme",
      name: "MorningAI",
    });
  });

  it("shows the server's error when an App already exists (409)", async () => {
    mockApi({
      "/api/setup/status": NOT_CONFIGURED,
      "/api/setup/manifest": { status: 409, body: { error: "A GitHub App is already registered." } },
    });
    const captured = captureSubmit();
    renderPage();
    await userEvent.click(await screen.findByRole("button", { name: "Register GitHub App" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "A GitHub App is already registered.",
    );
    expect(captured.form).toBeNull();
  });
});

describe("setup page, App registered", () => {
  it("links to the install page and to sign-in, and shows no form", async () => {
    const install = "https://github.com/apps/morningai-acme/installations/new";
    mockApi({
      "/api/setup/status": { status: 200, body: { configured: true, install_url: install } },
    });
    renderPage();
    expect(await screen.findByRole("link", { name: "Install the App on GitHub" })).toHaveAttribute(
      "href",
      install,
    );
    expect(screen.getByRole("link", { name: "Sign in with GitHub" })).toHaveAttribute(
      "href",
      "/login",
    );
    expect(screen.queryByRole("button", { name: "Register GitHub App" })).not.toBeInTheDocument();
  });
});
