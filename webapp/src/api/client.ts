// The one typed client of MorningAI's JSON API (`/api/...`, contract in docs/api.md). Components
// never call fetch themselves: they use these functions through TanStack Query hooks.

export class ApiError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

/** The header every write carries, with /api/me's csrf_token. */
export const CSRF_HEADER = "X-MorningAI-CSRF";

async function send<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(path, {
    ...init,
    headers: { Accept: "application/json", ...init.headers },
    credentials: "same-origin",
  });
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null; // 204, or not JSON
  }
  if (!response.ok) {
    const error =
      body !== null && typeof body === "object" && "error" in body && typeof body.error === "string"
        ? body.error
        : `${response.status} ${response.statusText}`.trim();
    throw new ApiError(response.status, error);
  }
  return body as T;
}

function getJson<T>(path: string): Promise<T> {
  return send<T>(path);
}

function postJson<T>(path: string, csrfToken: string): Promise<T> {
  return send<T>(path, { method: "POST", headers: { [CSRF_HEADER]: csrfToken } });
}

/** A write with a JSON body (POST, PUT, DELETE), carrying the CSRF header. */
function sendJson<T>(method: string, path: string, csrfToken: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { [CSRF_HEADER]: csrfToken };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  return send<T>(path, {
    method,
    headers,
    body: body === undefined ? null : JSON.stringify(body),
  });
}

function withQuery(path: string, query: URLSearchParams): string {
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

// ---- setup ----

/** GET /api/setup/status: whether a GitHub App is registered, and where to install it. */
export interface SetupStatus {
  configured: boolean;
  /** the settings still missing (environment variable names) */
  missing?: string[];
  install_url?: string | null;
  app_slug?: string | null;
}

/** One of GET /api/setup/checks' checks: `morningai doctor`'s, without the model's. */
export interface SetupCheck {
  name: string;
  ok: boolean;
  /** warn: works, but weaker than it should be; off: optional or not checked here (ok stays
   * true for both) */
  status: "ok" | "warn" | "fail" | "off";
  /** the fix in words ("" when it holds) */
  fix: string;
}

/** GET /api/setup/checks: public before an App exists, then an installation admin's only. */
export interface SetupChecks {
  checks: SetupCheck[];
  passed: boolean;
}

/** GET /api/setup/manifest: the manifest to post to GitHub, where to post it, and its state. */
export interface ManifestAnswer {
  manifest: Record<string, unknown>;
  post_url: string;
  state: string;
}

export interface ManifestRequest {
  url: string;
  name: string;
  /** empty for a personal account */
  org: string;
}

// ---- the signed-in person ----

export interface Installation {
  id: number;
  account: string;
  /** false: GitHub knows it, but MorningAI has not received its `installation` webhook yet */
  tenant: boolean;
}

/** GET /api/me */
export interface Me {
  user: { login: string; id: number; avatar_url: string };
  installations: Installation[];
  csrf_token: string;
}

// ---- tasks ----

export const TASK_KINDS = [
  "code",
  "revise",
  "fix_checks",
  "checks_passed",
  "stop",
  "faq_pr",
  "faq_history",
  "faq_stale",
  "ask",
  "chat_ask",
] as const;
export type TaskKind = (typeof TASK_KINDS)[number];
export const TASK_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export type PrState = "open" | "merged" | "closed";

export interface Task {
  id: number;
  installation_id: number;
  account: string;
  kind: TaskKind | (string & {});
  status: TaskStatus;
  /** null for a task that names no thread */
  repository: string | null;
  number: number | null;
  thread_url: string | null;
  requested_by: string;
  trace_id: string;
  attempts: number;
  max_attempts: number;
  error: string | null;
  model: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  /** decimal string, US dollars */
  cost_usd: string | null;
  pr_number: number | null;
  pr_url: string | null;
  pr_state: PrState | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_seconds: number | null;
}

export interface TaskFilters {
  repository?: string;
  kind?: string;
  /** repeatable */
  status?: string[];
  requested_by?: string;
  installation?: string;
  limit?: number;
  cursor?: string;
}

export interface TaskPage {
  tasks: Task[];
  next_cursor: string | null;
}

export interface TaskEvent {
  id: number;
  type: string;
  message: string;
  stage: string | null;
  link: string | null;
  at: string;
}

/** A live progress message the server never stores: sent on the stream without an id. */
export interface LiveProgress extends Omit<TaskEvent, "id"> {
  id: null;
}

export interface ModelCall {
  at: string;
  model: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: string | null;
  purpose: string | null;
}

export interface VerificationCheck {
  name: string | null;
  ok: boolean;
  ran: boolean;
  detail: string;
}

/** docs/api.md names command and output_tail; the server also sends (or instead sends) a
 * summary and the checks it ran. The page shows whichever is there. */
export interface Verification {
  passed: boolean;
  command?: string;
  output_tail?: string;
  summary?: string;
  checks?: VerificationCheck[];
}

export interface Failure {
  reason: string;
  what_to_do: string;
}

/** GET /api/tasks/<id> */
export interface TaskDetail {
  task: Task;
  trigger: string | null;
  instructions: string;
  events: TaskEvent[];
  model_calls: ModelCall[];
  diff: string | null;
  verification: Verification | null;
  failure: Failure | null;
  can_act: boolean;
}

export function taskQuery(filters: TaskFilters): URLSearchParams {
  const query = new URLSearchParams();
  for (const key of ["repository", "kind", "requested_by", "installation", "cursor"] as const) {
    const value = filters[key];
    if (value) query.set(key, value);
  }
  for (const status of filters.status ?? []) query.append("status", status);
  if (filters.limit !== undefined) query.set("limit", String(filters.limit));
  return query;
}

export function taskEventsUrl(taskId: number | string, lastEventId?: number): string {
  const base = `/api/tasks/${encodeURIComponent(String(taskId))}/events`;
  return lastEventId === undefined ? base : `${base}?last_event_id=${lastEventId}`;
}

// ---- FAQ ----

export type FaqSource =
  | { kind: "file"; path: string; start_line: number | null; end_line: number | null; url: string }
  | { kind: "issue" | "pull"; number: number | null; url: string | null };

export interface FaqEntry {
  id: number;
  installation_id: number;
  repository: string;
  question: string;
  /** markdown, shown as text */
  answer: string;
  stale: boolean;
  sources: FaqSource[];
  source_pr: number | null;
  source_url: string | null;
  updated_at: string;
}

// ---- repositories ----

export interface ConfigError {
  problem: string;
  line: number | null;
  file?: string | null; // the repository whose .github/morningai.yml it is
}

/** The installation's monthly budget (set in the organisation's .github repository). */
export interface Budget {
  monthly_usd: string | null;
  monthly_tokens: number | null;
  spent_usd: string;
  spent_tokens: number;
  share_used: number;
  warning: string | null;
  exhausted: boolean;
  resets_at: string;
}

export interface Repository {
  installation_id: number;
  full_name: string;
  private: boolean;
  active: boolean;
  config: Record<string, unknown>;
  config_errors: ConfigError[];
  month_cost_usd: string;
  month_tasks: number;
  organisation_config?: string | null;
  budget?: Budget | null;
}

// ---- analytics ----

export interface DayOutcomes {
  day: string;
  succeeded: number;
  failed: number;
  cancelled: number;
  running: number;
  queued: number;
}

export interface Analytics {
  days: number;
  outcomes_by_day: DayOutcomes[];
  pull_requests: { opened: number; merged: number; closed: number; open: number; merge_rate: number | null };
  time_to_pr_seconds: { p50: number; p90: number } | null;
  cost_per_merged_pr_usd: string | null;
  total_cost_usd: string;
  failures_by_reason: { reason: string; count: number }[];
}

// ---- chat (docs/api.md, "Chat"; web/chat_api.py) ----

export const CHAT_PLATFORMS = ["slack", "discord", "telegram"] as const;
export type ChatPlatform = (typeof CHAT_PLATFORMS)[number];
export type LinkPurpose = "workspace" | "user";

export const CHAT_EVENTS = ["task_started", "pr_opened", "task_failed", "faq_pr_opened", "budget_warning"] as const;
export type ChatEvent = (typeof CHAT_EVENTS)[number];

export interface LinkCodeRequest {
  installation_id: number;
  purpose: LinkPurpose;
  platform: ChatPlatform;
}

/** POST /api/chat/link-codes → 201. The code is a live credential: shown once, never stored or logged. */
export interface LinkCode {
  code: string;
  expires_at: string;
  purpose: LinkPurpose;
  platform: ChatPlatform;
  installation_id: number;
  /** plain text with `backticked` commands */
  instructions: string;
}

export interface ChatWorkspace {
  id: number;
  installation_id: number;
  account: string;
  platform: ChatPlatform | (string & {});
  external_id: string;
  name: string;
  /** a Slack bot token is stored for it (never sent) */
  bot_installed: boolean;
  linked_by: string;
  linked_at: string;
  updated_at: string;
  /** the person is admin on the installation: may unlink and set installation-wide notifications */
  can_manage: boolean;
}

export interface ChatInstallation {
  id: number;
  account: string;
  tenant: boolean;
  /** may ask for a workspace code there */
  admin: boolean;
}

/** GET /api/chat/workspaces */
export interface ChatWorkspaces {
  workspaces: ChatWorkspace[];
  installations: ChatInstallation[];
}

export interface ChatSubscription {
  id: number;
  installation_id: number;
  workspace_id: number;
  channel_id: string;
  /** null: every repository of the installation */
  repository: string | null;
  events: string[];
  created_by: string;
  can_change: boolean;
}

/** GET /api/chat/subscriptions */
export interface ChatSubscriptions {
  subscriptions: ChatSubscription[];
  events: string[];
}

/** PUT /api/chat/subscriptions; `events: []` removes the row. */
export interface SubscriptionRequest {
  workspace_id: number;
  channel_id: string;
  repository: string | null;
  events: string[];
}

/** Where the Slack OAuth install starts (web/chat/slack.py), with a workspace code as its state. */
export function slackInstallUrl(code: string): string {
  return `/api/slack/install?${new URLSearchParams({ code }).toString()}`;
}

function taskPath(taskId: number | string, rest = ""): string {
  return `/api/tasks/${encodeURIComponent(String(taskId))}${rest}`;
}

export const api = {
  setupStatus: (): Promise<SetupStatus> => getJson<SetupStatus>("/api/setup/status"),

  /** null when the server answers 404: an App exists and this person administers none of it */
  setupChecks: async (): Promise<SetupChecks | null> => {
    try {
      return await getJson<SetupChecks>("/api/setup/checks");
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  },

  setupManifest: (request: ManifestRequest): Promise<ManifestAnswer> => {
    const query = new URLSearchParams({ url: request.url, org: request.org, name: request.name });
    return getJson<ManifestAnswer>(`/api/setup/manifest?${query.toString()}`);
  },

  me: (): Promise<Me> => getJson<Me>("/api/me"),

  logout: (csrfToken: string): Promise<void> => postJson<void>("/api/logout", csrfToken),

  tasks: (filters: TaskFilters = {}): Promise<TaskPage> =>
    getJson<TaskPage>(withQuery("/api/tasks", taskQuery(filters))),

  task: (taskId: number | string): Promise<TaskDetail> => getJson<TaskDetail>(taskPath(taskId)),

  stopTask: (taskId: number | string, csrfToken: string): Promise<{ task: Task }> =>
    postJson<{ task: Task }>(taskPath(taskId, "/stop"), csrfToken),

  retryTask: (taskId: number | string, csrfToken: string): Promise<{ task: Task }> =>
    postJson<{ task: Task }>(taskPath(taskId, "/retry"), csrfToken),

  faq: (search: { q?: string; repository?: string } = {}): Promise<{ entries: FaqEntry[] }> => {
    const query = new URLSearchParams();
    if (search.q) query.set("q", search.q);
    if (search.repository) query.set("repository", search.repository);
    return getJson<{ entries: FaqEntry[] }>(withQuery("/api/faq", query));
  },

  repositories: (): Promise<{ repositories: Repository[] }> =>
    getJson<{ repositories: Repository[] }>("/api/repositories"),

  chatLinkCode: (request: LinkCodeRequest, csrfToken: string): Promise<LinkCode> =>
    sendJson<LinkCode>("POST", "/api/chat/link-codes", csrfToken, request),

  chatWorkspaces: (): Promise<ChatWorkspaces> => getJson<ChatWorkspaces>("/api/chat/workspaces"),

  unlinkChatWorkspace: (workspaceId: number, csrfToken: string): Promise<{ deleted: number }> =>
    sendJson<{ deleted: number }>(
      "DELETE",
      `/api/chat/workspaces/${encodeURIComponent(String(workspaceId))}`,
      csrfToken,
    ),

  chatSubscriptions: (workspaceId?: number): Promise<ChatSubscriptions> => {
    const query = new URLSearchParams();
    if (workspaceId !== undefined) query.set("workspace_id", String(workspaceId));
    return getJson<ChatSubscriptions>(withQuery("/api/chat/subscriptions", query));
  },

  putChatSubscription: (
    request: SubscriptionRequest,
    csrfToken: string,
  ): Promise<{ subscription: ChatSubscription | null }> =>
    sendJson<{ subscription: ChatSubscription | null }>("PUT", "/api/chat/subscriptions", csrfToken, request),

  analytics: (days: number): Promise<Analytics> => getJson<Analytics>(`/api/analytics?days=${days}`),
};
