import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SetupChecks } from "./SetupChecks";

function answer(status: number, body: unknown): void {
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL) => {
      expect(String(input)).toBe("/api/setup/checks");
      return new Response(JSON.stringify(body), {
        status,
        headers: { "Content-Type": "application/json" },
      });
    }),
  );
}

function renderChecks(): void {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={client}>{children}</QueryClientProvider>
  );
  render(<SetupChecks />, { wrapper });
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("setup checks", () => {
  it("shows each check ✓ or ✗, and a failed one's fix", async () => {
    answer(200, {
      passed: false,
      checks: [
        { name: "PostgreSQL", ok: true, status: "ok", fix: "" },
        {
          name: "webhook secret",
          ok: false,
          status: "fail",
          fix: "set it to the secret on the App's settings page (Webhook secret)",
        },
      ],
    });
    renderChecks();
    expect(await screen.findByLabelText("PostgreSQL: holds")).toHaveTextContent("✓ PostgreSQL");
    const failed = screen.getByLabelText("webhook secret: fails");
    expect(failed).toHaveTextContent("✗ webhook secret");
    expect(failed).toHaveTextContent(
      "Fix: set it to the secret on the App's settings page (Webhook secret)",
    );
    expect(screen.getByRole("heading", { name: /some checks failed/ })).toBeInTheDocument();
  });

  it("marks a warning in words and a mark, not colour alone, and says it still passes", async () => {
    answer(200, {
      passed: true,
      checks: [
        {
          name: "sandbox",
          ok: true,
          status: "warn",
          fix: "unset MORNINGAI_SANDBOX=process: bubblewrap is used where the host allows it",
        },
        {
          name: "migrations",
          ok: true,
          status: "off",
          fix: "run `morningai doctor` where DATABASE_MIGRATION_URL is set (the schema's owner)",
        },
      ],
    });
    renderChecks();
    const warned = await screen.findByLabelText("sandbox: works, with a warning");
    expect(warned).toHaveTextContent("! sandbox warning");
    expect(warned).toHaveTextContent(
      "Fix: unset MORNINGAI_SANDBOX=process: bubblewrap is used where the host allows it",
    );
    expect(screen.getByLabelText("migrations: not checked")).toHaveTextContent("– migrations");
    expect(screen.getAllByText("warning")).toHaveLength(1); // the off row is no warning
    expect(screen.getByRole("heading", { name: /all required checks hold/ })).toBeInTheDocument();
  });

  it("shows nothing when the server keeps the checks from this person (404)", async () => {
    answer(404, { error: "not found" });
    renderChecks();
    await screen.findByText("Checking the configuration…");
    await waitFor(() =>
      expect(screen.queryByText("Checking the configuration…")).not.toBeInTheDocument(),
    );
    expect(screen.queryByRole("heading")).not.toBeInTheDocument();
    expect(screen.queryByText(/Could not run the checks/)).not.toBeInTheDocument();
  });

  it("names another failure", async () => {
    answer(500, { error: "boom" });
    renderChecks();
    expect(await screen.findByText("Could not run the checks")).toBeInTheDocument();
  });
});
