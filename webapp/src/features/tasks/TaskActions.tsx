// Stop (queued or running) and Retry (failed or cancelled), each confirmed before the call;
// enabled only when the API says this person may act (write permission on the repository).
import { useMutation } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";
import { Link } from "react-router";
import { api, type Task, type TaskDetail } from "../../api/client";
import { ErrorNote } from "../../components/ErrorNote";
import { dangerButton, link, muted, primaryButton, secondaryButton } from "../../components/styles";
import { useCsrfToken } from "../auth/useMe";

type Action = "stop" | "retry";

const QUESTIONS: Record<Action, string> = {
  stop: "Stop this task? MorningAI cancels it, as /morningai stop on its thread would.",
  retry: "Run this task again? MorningAI starts a new task with the same request.",
};

export function TaskActions({ detail, onChanged }: { detail: TaskDetail; onChanged: () => void }) {
  const { task, can_act: canAct } = detail;
  const ids = useId();
  const csrf = useCsrfToken();
  const [confirming, setConfirming] = useState<Action | null>(null);
  const [retried, setRetried] = useState<Task | null>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const actionRef = useRef<HTMLButtonElement>(null);
  const act = useMutation({
    mutationFn: (action: Action) =>
      action === "stop" ? api.stopTask(task.id, csrf ?? "") : api.retryTask(task.id, csrf ?? ""),
    onSuccess: (answer, action) => {
      if (action === "retry") setRetried(answer.task);
      onChanged();
    },
    onSettled: () => setConfirming(null),
  });
  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);

  function cancel() {
    setConfirming(null);
    actionRef.current?.focus(); // back where the person was, not lost on <body>
  }

  const action: Action | null =
    task.status === "queued" || task.status === "running"
      ? "stop"
      : task.status === "failed" || task.status === "cancelled"
        ? "retry"
        : null;
  if (action === null && !retried) return null;
  const disabled = !canAct || csrf === null || act.isPending;

  return (
    <div className="mt-4 space-y-3">
      {action && (
        <div className="flex flex-wrap items-center gap-3">
          <button
            ref={actionRef}
            type="button"
            className={action === "stop" ? dangerButton : primaryButton}
            disabled={disabled}
            aria-describedby={canAct ? undefined : `${ids}-why`}
            onClick={() => setConfirming(action)}
          >
            {action === "stop" ? "Stop" : "Retry"}
          </button>
          {!canAct && (
            <p id={`${ids}-why`} className={`text-sm ${muted}`}>
              You need write access to {task.repository ?? "the repository"} to {action} this task.
            </p>
          )}
        </div>
      )}
      {confirming && (
        <div
          role="group"
          aria-labelledby={`${ids}-question`}
          onKeyDown={(event) => {
            if (event.key === "Escape") cancel();
          }}
          className="rounded-md border border-slate-300 p-3 dark:border-slate-700"
        >
          <p id={`${ids}-question`}>{QUESTIONS[confirming]}</p>
          <div className="mt-3 flex flex-wrap gap-3">
            <button
              ref={confirmRef}
              type="button"
              className={confirming === "stop" ? dangerButton : primaryButton}
              disabled={act.isPending}
              onClick={() => act.mutate(confirming)}
            >
              {confirming === "stop" ? "Confirm stop" : "Confirm retry"}
            </button>
            <button type="button" className={secondaryButton} onClick={cancel}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {act.isError && (
        <ErrorNote title={act.variables === "stop" ? "Not stopped" : "Not retried"}>
          {act.error.message}
        </ErrorNote>
      )}
      {act.isSuccess && act.variables === "stop" && (
        <p role="status" className={muted}>
          Stop requested.
        </p>
      )}
      {retried && (
        <p role="status">
          Retried as{" "}
          <Link to={`/tasks/${retried.id}`} className={link}>
            task #{retried.id}
          </Link>
          .
        </p>
      )}
    </div>
  );
}
