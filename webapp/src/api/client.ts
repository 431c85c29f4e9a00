// The one typed client of MorningAI's JSON API (`/api/...`). Components never call fetch
// themselves: they use these functions through TanStack Query hooks.

export class ApiError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, {
    headers: { Accept: "application/json" },
    credentials: "same-origin",
  });
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
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

/** GET /api/setup/status: whether a GitHub App is registered, and where to install it. */
export interface SetupStatus {
  configured: boolean;
  /** the settings still missing (environment variable names) */
  missing?: string[];
  install_url?: string | null;
  app_slug?: string | null;
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

export const api = {
  setupStatus: (): Promise<SetupStatus> => getJson<SetupStatus>("/api/setup/status"),

  setupManifest: (request: ManifestRequest): Promise<ManifestAnswer> => {
    const query = new URLSearchParams({ url: request.url, org: request.org, name: request.name });
    return getJson<ManifestAnswer>(`/api/setup/manifest?${query.toString()}`);
  },
};
