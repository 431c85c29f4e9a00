// The issue or pull request a task works on: "acme/widgets#12", linked when the URL is known.
import type { Task } from "../../api/client";
import { link } from "../../components/styles";

export function ThreadLink({ task }: { task: Pick<Task, "repository" | "number" | "thread_url"> }) {
  if (!task.repository) return <>—</>;
  const text = task.number === null ? task.repository : `${task.repository}#${task.number}`;
  return task.thread_url ? (
    <a href={task.thread_url} className={link}>
      {text}
    </a>
  ) : (
    <>{text}</>
  );
}
