// `/overview`: the last 7, 30 or 90 days (`?days=`) — tasks by outcome per day, merge rate,
// time to pull request, cost per merged pull request and failures by reason.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useId, type ReactNode } from "react";
import { useSearchParams } from "react-router";
import { api, type Analytics } from "../../api/client";
import { ErrorNote } from "../../components/ErrorNote";
import { Empty, Loading } from "../../components/StatusNote";
import { card, field, muted } from "../../components/styles";
import { count, duration, money, percent } from "../../lib/format";
import { Bar, FailureBars, OutcomesChart } from "./charts";

export const PERIODS = [7, 30, 90] as const;

function Panel({ title, children, wide = false }: { title: string; children: ReactNode; wide?: boolean }) {
  return (
    <section aria-label={title} className={`${card} ${wide ? "md:col-span-2" : ""}`}>
      <h2 className="font-semibold">{title}</h2>
      {children}
    </section>
  );
}

function Figure({ value, label }: { value: string; label: string }) {
  return (
    <div>
      <dt className={`text-xs font-medium ${muted}`}>{label}</dt>
      <dd className="text-2xl font-semibold tabular-nums">{value}</dd>
    </div>
  );
}

function Charts({ data }: { data: Analytics }) {
  const prs = data.pull_requests;
  const anyTask = data.outcomes_by_day.some((day) =>
    (["succeeded", "failed", "cancelled", "running", "queued"] as const).some((key) => day[key] > 0),
  );
  return (
    <div className="mt-6 grid gap-4 md:grid-cols-2">
      <Panel title="Tasks by outcome per day" wide>
        {anyTask ? <OutcomesChart days={data.outcomes_by_day} /> : <p className={`mt-3 ${muted}`}>No tasks in this period.</p>}
      </Panel>
      <Panel title="Merge rate">
        <p className="mt-2 text-3xl font-semibold tabular-nums">{percent(prs.merge_rate)}</p>
        {prs.merge_rate !== null && (
          <Bar ratio={prs.merge_rate} className="fill-purple-600 dark:fill-purple-400" />
        )}
        <p className={`mt-2 text-sm ${muted}`}>
          {prs.merge_rate === null
            ? "No pull request has been merged or closed yet. "
            : `${prs.merged} merged of ${prs.merged + prs.closed} merged or closed. `}
          {prs.opened} opened, {prs.open} still open.
        </p>
      </Panel>
      <Panel title="Time to pull request">
        {data.time_to_pr_seconds ? (
          <dl className="mt-2 flex gap-8">
            <Figure label="Median (p50)" value={duration(data.time_to_pr_seconds.p50)} />
            <Figure label="90th percentile (p90)" value={duration(data.time_to_pr_seconds.p90)} />
          </dl>
        ) : (
          <p className={`mt-2 ${muted}`}>No pull request opened in this period.</p>
        )}
      </Panel>
      <Panel title="Cost">
        <dl className="mt-2 flex flex-wrap gap-8">
          <Figure label="Per merged pull request" value={money(data.cost_per_merged_pr_usd)} />
          <Figure label="Total" value={money(data.total_cost_usd)} />
        </dl>
      </Panel>
      <Panel title="Failures by reason">
        {data.failures_by_reason.length ? (
          <FailureBars failures={data.failures_by_reason} />
        ) : (
          <p className={`mt-2 ${muted}`}>No failures in this period.</p>
        )}
        {data.failures_by_reason.length > 0 && (
          <p className={`mt-2 text-sm ${muted}`}>
            {count(data.failures_by_reason.reduce((sum, f) => sum + f.count, 0))} failed tasks in all.
          </p>
        )}
      </Panel>
    </div>
  );
}

export function OverviewPage() {
  const id = useId();
  const [params, setParams] = useSearchParams();
  const asked = Number(params.get("days"));
  const days = (PERIODS as readonly number[]).includes(asked) ? asked : 30;
  const analytics = useQuery({
    queryKey: ["analytics", days],
    queryFn: () => api.analytics(days),
    placeholderData: keepPreviousData,
  });
  return (
    <section aria-labelledby="overview-title">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <title>Overview · MorningAI</title>
        <h1 id="overview-title" className="text-2xl font-semibold tracking-tight">
          Overview
        </h1>
        <div>
          <label htmlFor={id} className="text-sm font-medium">
            Period
          </label>
          <select
            id={id}
            className={field}
            value={days}
            onChange={(e) => setParams({ days: e.target.value }, { replace: true })}
          >
            {PERIODS.map((period) => (
              <option key={period} value={period}>
                Last {period} days
              </option>
            ))}
          </select>
        </div>
      </div>
      {analytics.isPending && <Loading>Loading the figures…</Loading>}
      {analytics.isError && <ErrorNote title="Could not load the figures">{analytics.error.message}</ErrorNote>}
      {analytics.isSuccess &&
        (analytics.data.outcomes_by_day.length === 0 && analytics.data.pull_requests.opened === 0 ? (
          <Empty>Nothing happened in the last {days} days.</Empty>
        ) : (
          <Charts data={analytics.data} />
        ))}
    </section>
  );
}
