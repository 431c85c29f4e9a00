// The task's events, oldest first; new ones are announced politely to screen readers.
import type { TaskEvent } from "../../api/client";
import { Badge, type Tone } from "../../components/Badge";
import { Time } from "../../components/Time";
import { link, muted } from "../../components/styles";

const tones: Record<string, Tone> = { done: "green", failed: "red", stopped: "amber", stage: "blue" };

export function Timeline({ events }: { events: TaskEvent[] }) {
  return (
    <ol aria-label="Timeline" aria-live="polite" aria-relevant="additions" className="mt-3 space-y-3">
      {events.length === 0 && <li className={muted}>No events yet.</li>}
      {events.map((event) => (
        <li
          key={event.id}
          className="border-l-2 border-slate-300 pl-3 dark:border-slate-600"
        >
          <div className="flex flex-wrap items-center gap-2 text-sm">
            <Badge tone={tones[event.type] ?? "grey"}>{event.type}</Badge>
            {event.stage && <span className={muted}>{event.stage}</span>}
            <span className={`text-xs ${muted}`}>
              <Time at={event.at} />
            </span>
          </div>
          <p className="mt-1 break-words">{event.message}</p>
          {event.link && (
            <a href={event.link} className={`${link} text-sm break-all`}>
              {event.link}
            </a>
          )}
        </li>
      ))}
    </ol>
  );
}
