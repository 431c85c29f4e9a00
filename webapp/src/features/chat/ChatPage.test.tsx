import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { ME, SIGNED_IN, mockApi, renderApp, type Answer, type Recorded } from "../../test/api";

const CODE = "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-4567";

function workspace(overrides: Record<string, unknown> = {}) {
  return {
    id: 3,
    installation_id: 42,
    account: "acme",
    platform: "slack",
    external_id: "T0123",
    name: "Acme Slack",
    bot_installed: true,
    linked_by: "octocat",
    linked_at: "2026-12-04T10:00:00Z",
    updated_at: "2026-12-04T10:00:00Z",
    can_manage: true,
    ...overrides,
  };
}

function workspaces(admin: boolean): Answer {
  return {
    status: 200,
    body: {
      workspaces: [
        workspace({ can_manage: admin }),
        workspace({
          id: 5,
          installation_id: 43,
          account: "beta",
          platform: "discord",
          external_id: "998877",
          name: "Beta Guild",
          bot_installed: false,
          linked_by: "hubot",
          can_manage: admin,
        }),
      ],
      installations: [
        { id: 42, account: "acme", tenant: true, admin },
        { id: 43, account: "beta", tenant: true, admin },
        { id: 44, account: "gamma", tenant: true, admin },
        { id: 45, account: "delta", tenant: false, admin },
      ],
    },
  };
}

const EVENTS = ["task_started", "pr_opened", "task_failed", "faq_pr_opened", "budget_warning"];

function subscription(overrides: Record<string, unknown> = {}) {
  return {
    id: 7,
    installation_id: 42,
    workspace_id: 3,
    channel_id: "C0456",
    repository: "acme/widgets",
    events: ["pr_opened"],
    created_by: "octocat",
    can_change: true,
    ...overrides,
  };
}

function subscriptions(rows: Record<number, unknown[]> = {}): (request: Recorded) => Answer {
  return (request) => ({
    status: 200,
    body: { subscriptions: rows[Number(request.query.get("workspace_id"))] ?? [], events: EVENTS },
  });
}

const REPOSITORIES: Answer = {
  status: 200,
  body: {
    repositories: [
      { installation_id: 42, full_name: "acme/widgets", private: false, active: true, config: {}, config_errors: [], month_cost_usd: "0", month_tasks: 0 },
      { installation_id: 43, full_name: "beta/other", private: false, active: true, config: {}, config_errors: [], month_cost_usd: "0", month_tasks: 0 },
    ],
  },
};

function linkCode(request: Recorded): Answer {
  const sent = JSON.parse(request.body ?? "{}") as { installation_id: number; purpose: string; platform: string };
  return {
    status: 201,
    body: {
      code: CODE,
      expires_at: new Date(Date.now() + 10 * 60_000).toISOString(),
      purpose: sent.purpose,
      platform: sent.platform,
      installation_id: sent.installation_id,
      instructions:
        sent.purpose === "workspace"
          ? `Send \`/morningai link ${CODE}\` in a channel of the Slack workspace you are linking within 10 minutes. The code works once.`
          : `Send \`/morningai link code:${CODE}\` where MorningAI is in a Discord chat linked to this installation within 10 minutes. The code works once.`,
    },
  };
}

function writes(requested: Recorded[]) {
  return requested.filter((r) => r.method !== "GET");
}

describe("chat page", () => {
  it("lists the linked workspaces under each installation", async () => {
    mockApi({
      "/api/me": SIGNED_IN,
      "/api/chat/workspaces": workspaces(true),
      "/api/chat/subscriptions": subscriptions(),
      "/api/repositories": REPOSITORIES,
    });
    renderApp("/chat");
    expect(await screen.findByRole("heading", { name: "Chat", level: 1 })).toBeInTheDocument();
    const acme = await screen.findByRole("region", { name: "acme" });
    expect(within(acme).getByRole("heading", { name: "acme", level: 2 })).toBeInTheDocument();
    const slack = within(acme).getByRole("article", { name: "Acme Slack" });
    expect(slack).toHaveTextContent("Slack");
    expect(slack).toHaveTextContent("linked by octocat");
    expect(within(slack).getByText("T0123")).toBeInTheDocument();
    expect(within(slack).getByText("bot installed")).toBeInTheDocument();
    expect(within(acme).queryByRole("article", { name: "Beta Guild" })).not.toBeInTheDocument();

    const beta = screen.getByRole("region", { name: "beta" });
    const guild = within(beta).getByRole("article", { name: "Beta Guild" });
    expect(guild).toHaveTextContent("Discord");
    expect(guild).toHaveTextContent("linked by hubot");

    expect(within(screen.getByRole("region", { name: "gamma" })).getByText(/No Slack workspace.*linked to gamma yet/)).toBeInTheDocument();
    const delta = screen.getByRole("region", { name: "delta" });
    expect(delta).toHaveTextContent("has not received this installation");
    expect(within(delta).queryByRole("button")).not.toBeInTheDocument();
    expect(await within(slack).findByText("No channel hears anything yet.")).toBeInTheDocument();
    await waitFor(() => expect(document.title).toBe("Chat · MorningAI"));
  });

  it("gives an admin a workspace code with its instructions, posted with the CSRF header", async () => {
    const user = userEvent.setup();
    const requested = mockApi({
      "/api/me": SIGNED_IN,
      "/api/chat/workspaces": workspaces(true),
      "/api/chat/subscriptions": subscriptions(),
      "/api/repositories": REPOSITORIES,
      "POST /api/chat/link-codes": linkCode,
    });
    renderApp("/chat");
    const acme = await screen.findByRole("region", { name: "acme" });
    expect(within(acme).getByRole("button", { name: "Link a Discord server" })).toBeInTheDocument();
    expect(within(acme).getByRole("button", { name: "Link a Telegram chat" })).toBeInTheDocument();
    await user.click(within(acme).getByRole("button", { name: "Link a Slack workspace" }));

    expect(await within(acme).findByLabelText("Link code")).toHaveTextContent(CODE);
    expect(within(acme).getAllByText(`/morningai link ${CODE}`)[0]!.tagName).toBe("CODE");
    expect(within(acme).getByText(/more\./)).toHaveTextContent(/Works once, for (9:5\d|10:00) more\./);
    // announced once, in a live region
    const live = within(acme).getAllByRole("status").find((el) => el.textContent?.includes("code ready"));
    expect(live).toHaveTextContent(`Slack code ready: Send /morningai link ${CODE}`);
    expect(within(acme).getByRole("link", { name: "Add to Slack" })).toHaveAttribute(
      "href",
      `/api/slack/install?code=${encodeURIComponent(CODE)}`,
    );

    const [post, ...others] = writes(requested);
    expect(others).toEqual([]);
    expect(post!.path).toBe("/api/chat/link-codes");
    expect(post!.method).toBe("POST");
    expect(post!.headers.get("X-MorningAI-CSRF")).toBe(ME.csrf_token);
    expect(post!.headers.get("Content-Type")).toBe("application/json");
    expect(JSON.parse(post!.body!)).toEqual({ installation_id: 42, purpose: "workspace", platform: "slack" });
    // the code never travels in a dashboard request's URL
    expect(requested.some((r) => r.url.includes(CODE))).toBe(false);

    await user.click(within(acme).getByRole("button", { name: "Copy" }));
    expect(await within(acme).findByText("Copied.")).toBeInTheDocument();
    expect(await navigator.clipboard.readText()).toBe(CODE);

    await user.click(within(acme).getByRole("button", { name: "Hide code" }));
    expect(within(acme).queryByLabelText("Link code")).not.toBeInTheDocument();
  });

  it("shows a non-admin why they cannot link a workspace, and gives them a user code", async () => {
    const user = userEvent.setup();
    const requested = mockApi({
      "/api/me": SIGNED_IN,
      "/api/chat/workspaces": workspaces(false),
      "/api/chat/subscriptions": subscriptions(),
      "/api/repositories": REPOSITORIES,
      "POST /api/chat/link-codes": linkCode,
    });
    renderApp("/chat");
    const beta = await screen.findByRole("region", { name: "beta" });
    expect(screen.queryByRole("button", { name: /^Link a / })).not.toBeInTheDocument();
    expect(within(beta).getByText(/Only an admin of beta can link a Slack workspace/)).toBeInTheDocument();
    expect(within(beta).queryByRole("button", { name: "Unlink" })).not.toBeInTheDocument();
    // a user code works only where a workspace is linked: Discord here
    expect(within(beta).queryByRole("button", { name: "Link my Slack account" })).not.toBeInTheDocument();
    expect(within(beta).getByText("/morningai link code:CODE")).toBeInTheDocument();
    await user.click(within(beta).getByRole("button", { name: "Link my Discord account" }));

    expect(await within(beta).findByLabelText("Link code")).toHaveTextContent(CODE);
    expect(within(beta).getByText(/where MorningAI is in a Discord chat linked/, { selector: "span" })).toBeInTheDocument();
    expect(within(beta).queryByRole("link", { name: "Add to Slack" })).not.toBeInTheDocument();
    const [post] = writes(requested);
    expect(post!.headers.get("X-MorningAI-CSRF")).toBe(ME.csrf_token);
    expect(JSON.parse(post!.body!)).toEqual({ installation_id: 43, purpose: "user", platform: "discord" });
  });

  it("Unlink asks first, then deletes with the CSRF header and reloads", async () => {
    const user = userEvent.setup();
    let linked = true;
    const requested = mockApi({
      "/api/me": SIGNED_IN,
      "/api/chat/workspaces": () => {
        const answer = workspaces(true);
        const body = answer.body as { workspaces: { id: number }[] };
        return { status: 200, body: { ...body, workspaces: body.workspaces.filter((w) => linked || w.id !== 3) } };
      },
      "/api/chat/subscriptions": subscriptions(),
      "/api/repositories": REPOSITORIES,
      "DELETE /api/chat/workspaces/3": () => {
        linked = false;
        return { status: 200, body: { deleted: 3 } };
      },
    });
    renderApp("/chat");
    const slack = await screen.findByRole("article", { name: "Acme Slack" });
    const unlink = within(slack).getByRole("button", { name: "Unlink" });
    await user.click(unlink);
    const question = within(slack).getByRole("group", { name: /Unlink Acme Slack\?/ });
    const confirm = within(question).getByRole("button", { name: "Confirm unlink" });
    expect(confirm).toHaveFocus();
    expect(writes(requested)).toEqual([]);

    await user.click(within(question).getByRole("button", { name: "Cancel" }));
    expect(unlink).toHaveFocus();
    expect(writes(requested)).toEqual([]);

    await user.click(unlink);
    await user.click(within(slack).getByRole("button", { name: "Confirm unlink" }));
    await waitFor(() => expect(screen.queryByRole("article", { name: "Acme Slack" })).not.toBeInTheDocument());
    const acme = screen.getByRole("region", { name: "acme" });
    expect(within(acme).getByText("Unlinked Acme Slack.")).toBeInTheDocument();
    expect(within(acme).getByRole("heading", { name: "acme", level: 2 })).toHaveFocus();
    const [deleted, ...others] = writes(requested);
    expect(others).toEqual([]);
    expect(deleted!.method).toBe("DELETE");
    expect(deleted!.path).toBe("/api/chat/workspaces/3");
    expect(deleted!.headers.get("X-MorningAI-CSRF")).toBe(ME.csrf_token);
    expect(screen.getByRole("article", { name: "Beta Guild" })).toBeInTheDocument();
  });

  it("saves, removes and adds subscriptions through PUT with the chosen events", async () => {
    const user = userEvent.setup();
    const requested = mockApi({
      "/api/me": SIGNED_IN,
      "/api/chat/workspaces": workspaces(true),
      "/api/chat/subscriptions": subscriptions({
        3: [subscription(), subscription({ id: 8, channel_id: "C0999", repository: null, events: ["budget_warning"] })],
      }),
      "/api/repositories": REPOSITORIES,
      "PUT /api/chat/subscriptions": (request) => {
        const sent = JSON.parse(request.body ?? "{}") as { events: string[] };
        return { status: 200, body: { subscription: sent.events.length ? subscription(sent) : null } };
      },
    });
    renderApp("/chat");
    const slack = await screen.findByRole("article", { name: "Acme Slack" });
    const row = await within(slack).findByRole("group", { name: "Events for C0456, acme/widgets" });
    expect(within(row).getByRole("checkbox", { name: "Pull request opened" })).toBeChecked();
    expect(within(row).getByRole("checkbox", { name: "Task started" })).not.toBeChecked();
    expect(within(slack).getByRole("group", { name: "Events for C0999, all repositories" })).toBeInTheDocument();

    await user.click(within(row).getByRole("checkbox", { name: "Task failed" }));
    await user.click(within(row).getByRole("checkbox", { name: "Task started" }));
    const item = row.closest("li")!;
    await user.click(within(item).getByRole("button", { name: "Save" }));
    expect(await within(item).findByText("Saved.")).toBeInTheDocument();
    let puts = writes(requested);
    expect(puts).toHaveLength(1);
    expect(puts[0]!.method).toBe("PUT");
    expect(puts[0]!.headers.get("X-MorningAI-CSRF")).toBe(ME.csrf_token);
    expect(JSON.parse(puts[0]!.body!)).toEqual({
      workspace_id: 3,
      channel_id: "C0456",
      repository: "acme/widgets",
      events: ["task_started", "pr_opened", "task_failed"],
    });

    const all = within(slack).getByRole("group", { name: "Events for C0999, all repositories" }).closest("li")!;
    await user.click(within(all).getByRole("button", { name: "Remove" }));
    await waitFor(() => expect(writes(requested)).toHaveLength(2));
    expect(JSON.parse(writes(requested)[1]!.body!)).toEqual({
      workspace_id: 3,
      channel_id: "C0999",
      repository: null,
      events: [],
    });

    const add = within(slack).getByRole("form", { name: "Add a channel" });
    const addButton = within(add).getByRole("button", { name: "Add" });
    expect(addButton).toBeDisabled();
    await user.type(within(add).getByLabelText("Channel id"), "C0777");
    await user.selectOptions(within(add).getByLabelText("Repository"), "acme/widgets");
    await user.click(within(add).getByRole("checkbox", { name: "FAQ pull request opened" }));
    await user.click(addButton);
    await waitFor(() => expect(writes(requested)).toHaveLength(3));
    puts = writes(requested);
    expect(JSON.parse(puts[2]!.body!)).toEqual({
      workspace_id: 3,
      channel_id: "C0777",
      repository: "acme/widgets",
      events: ["faq_pr_opened"],
    });
    // the other installation's repositories are not offered here
    expect(within(within(add).getByLabelText("Repository")).queryByRole("option", { name: "beta/other" })).not.toBeInTheDocument();
  });

  it("leaves rows the person may not change read-only, and keeps all repositories for admins", async () => {
    mockApi({
      "/api/me": SIGNED_IN,
      "/api/chat/workspaces": workspaces(false),
      "/api/chat/subscriptions": subscriptions({
        3: [subscription({ repository: null, can_change: false, events: ["task_failed"] })],
      }),
      "/api/repositories": REPOSITORIES,
    });
    renderApp("/chat");
    const row = await screen.findByRole("group", { name: "Events for C0456, all repositories" });
    expect(within(row).getByRole("checkbox", { name: "Task failed" })).toBeDisabled();
    const item = row.closest("li")!;
    expect(within(item).queryByRole("button", { name: "Save" })).not.toBeInTheDocument();
    expect(item).toHaveTextContent("needs admin rights");
    const slack = screen.getByRole("article", { name: "Acme Slack" });
    expect(within(slack).getByRole("option", { name: "All repositories (admins only)" })).toBeDisabled();
  });

  it("shows the API's errors", async () => {
    const user = userEvent.setup();
    mockApi({
      "/api/me": SIGNED_IN,
      "/api/chat/workspaces": workspaces(true),
      "/api/chat/subscriptions": subscriptions({ 3: [subscription()] }),
      "/api/repositories": REPOSITORIES,
      "POST /api/chat/link-codes": { status: 409, body: { error: "MorningAI has not received this installation yet; try again soon" } },
      "PUT /api/chat/subscriptions": { status: 403, body: { error: "notifications for acme/widgets need write access to it" } },
      "DELETE /api/chat/workspaces/3": { status: 403, body: { error: "unlinking a workspace needs admin rights on acme" } },
    });
    renderApp("/chat");
    const acme = await screen.findByRole("region", { name: "acme" });
    await user.click(within(acme).getByRole("button", { name: "Link a Telegram chat" }));
    expect(await within(acme).findByRole("alert")).toHaveTextContent(
      "No Telegram codeMorningAI has not received this installation yet; try again soon",
    );
    expect(within(acme).queryByLabelText("Link code")).not.toBeInTheDocument();

    const slack = within(acme).getByRole("article", { name: "Acme Slack" });
    const row = await within(slack).findByRole("group", { name: "Events for C0456, acme/widgets" });
    await user.click(within(row).getByRole("checkbox", { name: "Task failed" }));
    const item = row.closest("li")!;
    await user.click(within(item).getByRole("button", { name: "Save" }));
    expect(await within(item).findByRole("alert")).toHaveTextContent("need write access to it");

    await user.click(within(slack).getByRole("button", { name: "Unlink" }));
    await user.click(within(slack).getByRole("button", { name: "Confirm unlink" }));
    expect(await within(slack).findByText("unlinking a workspace needs admin rights on acme")).toBeInTheDocument();
  });

  it("says when the chat links cannot be loaded", async () => {
    mockApi({ "/api/me": SIGNED_IN, "/api/chat/workspaces": { status: 500, body: { error: "database unavailable" } } });
    renderApp("/chat");
    expect(await screen.findByRole("alert")).toHaveTextContent("Could not load the chat linksdatabase unavailable");
  });
});
