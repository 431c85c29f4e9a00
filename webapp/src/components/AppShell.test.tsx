import { QueryClient } from "@tanstack/react-query";
import { render, screen, within } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { describe, expect, it } from "vitest";
import { App } from "../App";

function renderAt(path: string): void {
  render(
    <MemoryRouter initialEntries={[path]}>
      <App client={new QueryClient()} />
    </MemoryRouter>,
  );
}

describe("the shell", () => {
  it("has the navigation", () => {
    renderAt("/tasks");
    const nav = screen.getByRole("navigation", { name: "Main" });
    for (const name of ["Tasks", "FAQ", "Repositories", "Overview"]) {
      expect(within(nav).getByRole("link", { name })).toBeInTheDocument();
    }
  });

  it.each([
    ["/tasks", "Tasks"],
    ["/tasks/123", "Tasks"],
    ["/faq", "FAQ"],
    ["/repositories", "Repositories"],
    ["/overview", "Overview"],
  ])("%s says plainly it is not built yet", (path, title) => {
    renderAt(path);
    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent(title);
    expect(screen.getByText(/^Not built yet\./)).toBeInTheDocument();
  });
});
