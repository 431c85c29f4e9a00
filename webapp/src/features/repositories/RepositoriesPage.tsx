// `/repositories`: each repository within reach — visibility, whether MorningAI works on it,
// this month's cost and tasks, the installation's monthly budget, the effective
// .github/morningai.yml (over the organisation's) and its problems.
import { Link } from "react-router";
import type { Budget, Repository } from "../../api/client";
import { Badge } from "../../components/Badge";
import { ErrorNote } from "../../components/ErrorNote";
import { Empty, Loading } from "../../components/StatusNote";
import { card, link, muted } from "../../components/styles";
import { count, money, percent } from "../../lib/format";
import { useRepositories } from "./useRepositories";

/** Nested configuration as dotted keys: {faq: {auto_update: false}} -> ["faq.auto_update", "false"]. */
export function flattenConfig(config: Record<string, unknown>, prefix = ""): [string, string][] {
  return Object.entries(config).flatMap(([key, value]): [string, string][] => {
    const name = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      const inner = flattenConfig(value as Record<string, unknown>, name);
      return inner.length ? inner : [[name, "{}"]];
    }
    return [[name, typeof value === "string" ? value : JSON.stringify(value)]];
  });
}

function budgetText(budget: Budget): string {
  const parts = [];
  if (budget.monthly_usd !== null) parts.push(`${money(budget.spent_usd)} of ${money(budget.monthly_usd)}`);
  if (budget.monthly_tokens !== null) parts.push(`${count(budget.spent_tokens)} of ${count(budget.monthly_tokens)} tokens`);
  return `${parts.join(" and ")} (${percent(budget.share_used)})`;
}

function RepositoryCard({ repository }: { repository: Repository }) {
  const config = flattenConfig(repository.config);
  const tasksLink = `/tasks?${new URLSearchParams({ repository: repository.full_name }).toString()}`;
  return (
    <article aria-labelledby={`repo-${repository.full_name}`} className={card}>
      <div className="flex flex-wrap items-center gap-2">
        <h2 id={`repo-${repository.full_name}`} className="text-lg font-semibold break-all">
          {repository.full_name}
        </h2>
        <Badge>{repository.private ? "private" : "public"}</Badge>
        <Badge tone={repository.active ? "green" : "amber"}>{repository.active ? "active" : "inactive"}</Badge>
      </div>
      <dl className="mt-3 flex flex-wrap gap-x-8 gap-y-2">
        <div>
          <dt className={`text-xs font-medium ${muted}`}>Cost this month</dt>
          <dd className="text-lg tabular-nums">{money(repository.month_cost_usd)}</dd>
        </div>
        <div>
          <dt className={`text-xs font-medium ${muted}`}>Tasks this month</dt>
          <dd className="text-lg tabular-nums">
            <Link to={tasksLink} className={link}>
              {count(repository.month_tasks)}
            </Link>
          </dd>
        </div>
        {repository.budget && (
          <div>
            <dt className={`text-xs font-medium ${muted}`}>Installation budget this month</dt>
            <dd className="text-lg tabular-nums">{budgetText(repository.budget)}</dd>
          </div>
        )}
      </dl>
      {repository.budget?.warning && (
        <p role="status" className="mt-3 rounded-md border border-amber-600 p-2 text-sm">
          {repository.budget.exhausted
            ? `The monthly budget is used up: new tasks end at once until ${repository.budget.resets_at.slice(0, 10)} (UTC).`
            : repository.budget.warning}
        </p>
      )}
      {repository.config_errors.length > 0 && (
        <div
          role="alert"
          className="mt-4 rounded-md border border-amber-600 bg-amber-50 p-3 text-amber-950 dark:border-amber-400 dark:bg-amber-950 dark:text-amber-50"
        >
          <p className="font-medium">
            .github/morningai.yml has problems; MorningAI uses{" "}
            {repository.organisation_config ? "the organisation's configuration" : "the defaults"} below.
          </p>
          <ul className="mt-1 list-inside list-disc">
            {repository.config_errors.map((error, index) => (
              <li key={index}>
                {error.line !== null && <span className="font-medium">Line {error.line}: </span>}
                {error.problem}
              </li>
            ))}
          </ul>
        </div>
      )}
      <h3 className="mt-4 text-sm font-medium">Effective configuration</h3>
      <p className={`mt-1 text-sm ${muted}`}>
        {repository.organisation_config
          ? `Over the organisation's defaults in ${repository.organisation_config}.`
          : "No organisation defaults: the account has no .github repository the App can read."}
      </p>
      {config.length === 0 ? (
        <p className={`mt-1 text-sm ${muted}`}>No settings.</p>
      ) : (
        <dl className="mt-1 grid grid-cols-1 gap-x-4 gap-y-1 text-sm sm:grid-cols-[max-content_1fr]">
          {config.map(([key, value]) => (
            <div key={key} className="contents">
              <dt className="font-mono text-slate-700 dark:text-slate-300">{key}</dt>
              <dd className="mb-1 font-mono break-all sm:mb-0">{value}</dd>
            </div>
          ))}
        </dl>
      )}
    </article>
  );
}

export function RepositoriesPage() {
  const repositories = useRepositories();
  return (
    <section aria-labelledby="repositories-title">
      <title>Repositories · MorningAI</title>
      <h1 id="repositories-title" className="text-2xl font-semibold tracking-tight">
        Repositories
      </h1>
      {repositories.isPending && <Loading>Loading repositories…</Loading>}
      {repositories.isError && (
        <ErrorNote title="Could not load the repositories">{repositories.error.message}</ErrorNote>
      )}
      {repositories.isSuccess &&
        (repositories.data.repositories.length === 0 ? (
          <Empty>No repositories yet: install the App on a repository and it appears here.</Empty>
        ) : (
          <div className="mt-6 space-y-4">
            {repositories.data.repositories.map((repository) => (
              <RepositoryCard key={`${repository.installation_id}/${repository.full_name}`} repository={repository} />
            ))}
          </div>
        ))}
    </section>
  );
}
