// `/tasks/:taskId`: one task — its header, Stop/Retry, the live timeline (SSE, or polling when
// the stream is unavailable), model calls, diff, verification and, when it failed, why.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, type ReactNode } from "react";
import { Link, useParams } from "react-router";
import { ApiError, api, type Failure, type TaskDetail, type TaskStatus } from "../../api/client";
import { PrStateBadge, StatusBadge } from "../../components/Badge";
import { ErrorNote } from "../../components/ErrorNote";
import { Loading } from "../../components/StatusNote";
import { Time } from "../../components/Time";
import { card, link, muted } from "../../components/styles";
import { count, duration, money } from "../../lib/format";
import { DiffView } from "./DiffView";
import { ModelCalls } from "./ModelCalls";
import { TaskActions } from "./TaskActions";
import { ThreadLink } from "./ThreadLink";
import { tokens } from "./TasksTable";
import { Timeline } from "./Timeline";
import { VerificationResult } from "./VerificationResult";
import {
  mergeEvents,
  useTaskEvents,
  type EventSourceConstructor,
  type StreamState,
} from "./useTaskEvents";

export const POLL_MS = 3000;

// The task detail shows these stored events as its model calls and diff, not in its timeline
// (web/tasks_api.py); the stream sends every stored row, so the timeline leaves them out.
const DETAIL_ONLY = new Set(["model", "change"]);

const isActive = (status: TaskStatus | undefined) => status === "queued" || status === "running";

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section aria-label={title} className="mt-8">
      <h2 className="text-lg font-semibold">{title}</h2>
      {children}
    </section>
  );
}

function Fact({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div>
      <dt className={`text-xs font-medium ${muted}`}>{term}</dt>
      <dd className="mt-0.5">{children}</dd>
    </div>
  );
}

const STREAM_TEXT: Record<StreamState, string> = {
  idle: "",
  connecting: "Connecting to live updates…",
  live: "Live",
  ended: "Finished",
  polling: `Live updates unavailable: refreshing every ${POLL_MS / 1000} s`,
};

function TaskHeader({ detail }: { detail: TaskDetail }) {
  const { task } = detail;
  return (
    <>
      <div className="flex flex-wrap items-center gap-3">
        <title>{`Task #${task.id} · MorningAI`}</title>
        <h1 id="task-title" className="text-2xl font-semibold tracking-tight">
          Task #{task.id}
        </h1>
        <StatusBadge status={task.status} />
        <span className={muted}>{task.kind}</span>
      </div>
      <p className="mt-2 flex flex-wrap gap-x-4 gap-y-1">
        <ThreadLink task={task} />
        {task.pr_url && (
          <span className="inline-flex items-center gap-2">
            <a href={task.pr_url} className={link}>
              Pull request #{task.pr_number}
            </a>
            <PrStateBadge state={task.pr_state} />
          </span>
        )}
      </p>
      <dl className="mt-4 grid grid-cols-2 gap-3 sm:grid-cols-4">
        <Fact term="Requested by">{task.requested_by}</Fact>
        <Fact term="Trigger">{detail.trigger ?? "—"}</Fact>
        <Fact term="Created"><Time at={task.created_at} /></Fact>
        <Fact term="Started"><Time at={task.started_at} /></Fact>
        <Fact term="Finished"><Time at={task.finished_at} /></Fact>
        <Fact term="Duration">{duration(task.duration_seconds)}</Fact>
        <Fact term="Attempts">{task.attempts} of {task.max_attempts}</Fact>
        <Fact term="Model">{task.model ?? "—"}</Fact>
        <Fact term="Tokens">{count(tokens(task))}</Fact>
        <Fact term="Cost">{money(task.cost_usd)}</Fact>
        <Fact term="Trace id"><code className="text-xs break-all">{task.trace_id}</code></Fact>
      </dl>
    </>
  );
}

function FailureCard({ failure, status }: { failure: Failure; status: TaskStatus }) {
  const title = status === "cancelled" ? "Why it was cancelled" : "Why it failed";
  return (
    <section
      aria-label={title}
      className="mt-6 rounded-lg border border-red-700 bg-red-50 p-4 text-red-950 dark:border-red-400 dark:bg-red-950 dark:text-red-50"
    >
      <h2 className="text-lg font-semibold">{title}</h2>
      <p className="mt-2">{failure.reason}</p>
      <h3 className="mt-3 font-medium">What to do</h3>
      <p className="mt-1 whitespace-pre-wrap">{failure.what_to_do}</p>
    </section>
  );
}

function TaskBody({ detail }: { detail: TaskDetail }) {
  return (
    <>
      {detail.instructions && (
        <Section title="Request">
          <p className={`mt-3 whitespace-pre-wrap break-words ${card}`}>{detail.instructions}</p>
        </Section>
      )}
      <Section title="Model calls">
        <ModelCalls calls={detail.model_calls} />
      </Section>
      <Section title="Changes">
        {detail.diff ? <DiffView diff={detail.diff} /> : <p className={`mt-3 ${muted}`}>No changes.</p>}
      </Section>
      <Section title="Verification">
        <VerificationResult verification={detail.verification} />
      </Section>
    </>
  );
}

function TaskView({ taskId, eventSource }: { taskId: string; eventSource?: EventSourceConstructor | undefined }) {
  const client = useQueryClient();
  const key = ["task", taskId];
  // Read by refetchInterval, which TanStack evaluates after render (the stream hook comes later).
  const polling = useRef(false);
  const detail = useQuery({
    queryKey: key,
    queryFn: () => api.task(taskId),
    refetchInterval: (query) =>
      polling.current && isActive(query.state.data?.task.status) ? POLL_MS : false,
  });
  const stored = detail.data?.events ?? [];
  const refetch = () => {
    void client.invalidateQueries({ queryKey: key });
    void client.invalidateQueries({ queryKey: ["tasks"] });
  };
  const stream = useTaskEvents({
    taskId,
    enabled: isActive(detail.data?.task.status),
    lastEventId: stored.length ? Math.max(...stored.map((e) => e.id)) : undefined,
    onEnd: refetch,
    // a new step may change the status, the figures, the model calls or the diff; a read
    // already under way is not restarted, so a burst of events costs one or two reads
    onEvent: () => void client.invalidateQueries({ queryKey: key }, { cancelRefetch: false }),
    eventSource,
  });
  // after `end` too: should the re-read still find the task running, keep reading until it is not
  polling.current = stream.state === "polling" || stream.state === "ended";

  if (detail.isPending) return <Loading>Loading task #{taskId}…</Loading>;
  if (detail.isError) {
    const missing = detail.error instanceof ApiError && detail.error.status === 404;
    return (
      <section aria-labelledby="task-title">
        <title>{`Task #${taskId} · MorningAI`}</title>
        <h1 id="task-title" className="text-2xl font-semibold tracking-tight">
          Task #{taskId}
        </h1>
        <ErrorNote title={missing ? "Task not found" : "Could not load the task"}>
          {missing ? "No task with this number is within your reach." : detail.error.message}
        </ErrorNote>
        <p className="mt-4">
          <Link to="/tasks" className={link}>All tasks</Link>
        </p>
      </section>
    );
  }
  const events = mergeEvents(detail.data.events, stream.events).filter((e) => !DETAIL_ONLY.has(e.type));
  const active = isActive(detail.data.task.status);
  return (
    <article aria-labelledby="task-title">
      <p className="mb-2 text-sm">
        <Link to="/tasks" className={link}>← All tasks</Link>
      </p>
      <TaskHeader detail={detail.data} />
      <TaskActions detail={detail.data} onChanged={refetch} />
      {detail.data.failure && <FailureCard failure={detail.data.failure} status={detail.data.task.status} />}
      <Section title="Timeline">
        {active && stream.state !== "idle" && (
          <p className={`mt-1 text-sm ${muted}`}>{STREAM_TEXT[stream.state]}</p>
        )}
        {active && stream.progress && (
          <p className="mt-2 text-sm">
            <span className="font-medium">Now:</span> {stream.progress.message}
            {stream.progress.stage && <span className={muted}> ({stream.progress.stage})</span>}
          </p>
        )}
        <Timeline events={events} />
      </Section>
      <TaskBody detail={detail.data} />
    </article>
  );
}

export function TaskPage({ eventSource }: { eventSource?: EventSourceConstructor }) {
  const { taskId = "" } = useParams();
  // keyed: another task starts with a fresh stream and timeline
  return <TaskView key={taskId} taskId={taskId} eventSource={eventSource} />;
}
