// The tasks as a table; below the md breakpoint each row is laid out as a card. The explicit
// roles keep the table's semantics when CSS changes the rows' display.
import type { ReactNode } from "react";
import { Link } from "react-router";
import type { Task } from "../../api/client";
import { PrStateBadge, StatusBadge } from "../../components/Badge";
import { Time } from "../../components/Time";
import { focusRing, link } from "../../components/styles";
import { count, duration, money } from "../../lib/format";
import { ThreadLink } from "./ThreadLink";

const COLUMNS = [
  "Task",
  "Status",
  "Kind",
  "Thread",
  "Requested by",
  "Created",
  "Started",
  "Finished",
  "Duration",
  "Tokens",
  "Cost",
  "Pull request",
] as const;

function Cell({ label, children }: { label: string; children: ReactNode }) {
  return (
    <td
      role="cell"
      className="flex items-baseline justify-between gap-3 py-1 md:table-cell md:px-2 md:py-2 md:whitespace-nowrap"
    >
      <span className="text-xs font-medium text-slate-600 md:hidden dark:text-slate-300">{label}</span>
      <span className="text-right md:text-left">{children}</span>
    </td>
  );
}

export function tokens(task: Pick<Task, "prompt_tokens" | "completion_tokens">): number | null {
  if (task.prompt_tokens === null && task.completion_tokens === null) return null;
  return (task.prompt_tokens ?? 0) + (task.completion_tokens ?? 0);
}

function TaskRow({ task }: { task: Task }) {
  const total = tokens(task);
  return (
    <tr
      role="row"
      className="mb-3 block rounded-lg border border-slate-200 p-3 md:mb-0 md:table-row md:rounded-none md:border-0 md:border-b md:p-0 dark:border-slate-800"
    >
      <Cell label="Task">
        <Link to={`/tasks/${task.id}`} aria-label={`Task #${task.id}`} className={`${link} font-medium`}>
          #{task.id}
        </Link>
      </Cell>
      <Cell label="Status">
        <StatusBadge status={task.status} />
      </Cell>
      <Cell label="Kind">{task.kind}</Cell>
      <Cell label="Thread">
        <ThreadLink task={task} />
      </Cell>
      <Cell label="Requested by">{task.requested_by}</Cell>
      <Cell label="Created">
        <Time at={task.created_at} />
      </Cell>
      <Cell label="Started">
        <Time at={task.started_at} />
      </Cell>
      <Cell label="Finished">
        <Time at={task.finished_at} />
      </Cell>
      <Cell label="Duration">{duration(task.duration_seconds)}</Cell>
      <Cell label="Tokens">
        <span title={total === null ? undefined : `${count(task.prompt_tokens)} prompt + ${count(task.completion_tokens)} completion`}>
          {count(total)}
        </span>
      </Cell>
      <Cell label="Cost">{money(task.cost_usd)}</Cell>
      <Cell label="Pull request">
        {task.pr_url ? (
          <span className="inline-flex items-center gap-2">
            <a href={task.pr_url} aria-label={`Pull request #${task.pr_number}`} className={link}>
              #{task.pr_number}
            </a>
            <PrStateBadge state={task.pr_state} />
          </span>
        ) : (
          "—"
        )}
      </Cell>
    </tr>
  );
}

export function TasksTable({ tasks }: { tasks: Task[] }) {
  return (
    <div className={`mt-6 md:overflow-x-auto ${focusRing}`} tabIndex={0} role="region" aria-label="Tasks, newest first">
      <table role="table" className="block w-full text-sm md:table">
        <caption className="sr-only">Tasks, newest first</caption>
        <thead role="rowgroup" className="hidden md:table-header-group">
          <tr role="row" className="border-b border-slate-300 text-left dark:border-slate-700">
            {COLUMNS.map((column) => (
              <th key={column} role="columnheader" scope="col" className="px-2 py-2 font-medium whitespace-nowrap">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody role="rowgroup" className="block md:table-row-group">
          {tasks.map((task) => (
            <TaskRow key={task.id} task={task} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
