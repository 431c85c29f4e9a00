// The live timeline of a running task: Server-Sent Events from /api/tasks/<id>/events.
// `task` events are appended (de-duplicated by id); `end` closes the stream and calls onEnd.
// When the stream keeps failing, or the server refuses it (503: the browser then closes it for
// good), the state becomes "polling" and the page refetches the task every few seconds instead.
// Progress the server never stores comes without an id: it is kept as `progress` (the latest
// one), not appended, since no refetch would bring it back.
// The EventSource constructor is injectable so tests can drive a fake one.
import { useEffect, useRef, useState } from "react";
import { taskEventsUrl, type LiveProgress, type TaskEvent } from "../../api/client";

export interface EventSourceLike {
  readonly readyState: number;
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void;
  close(): void;
}

export type EventSourceConstructor = new (url: string) => EventSourceLike;

/** idle: not streaming (finished task); polling: the stream failed, refetch instead */
export type StreamState = "idle" | "connecting" | "live" | "ended" | "polling";

const CLOSED = 2; // EventSource.CLOSED
export const MAX_STREAM_ERRORS = 3;

function browserEventSource(): EventSourceConstructor | undefined {
  return typeof EventSource === "undefined" ? undefined : EventSource;
}

function parseEvent(data: string): TaskEvent | LiveProgress | null {
  try {
    const event: unknown = JSON.parse(data);
    if (event && typeof event === "object" && "type" in event && "message" in event) {
      if ("id" in event && typeof event.id === "number") return event as TaskEvent;
      return { ...(event as Omit<LiveProgress, "id">), id: null };
    }
  } catch {
    // a malformed frame is skipped; the next refetch brings the stored events
  }
  return null;
}

export function useTaskEvents({
  taskId,
  enabled,
  lastEventId,
  onEnd,
  onEvent,
  eventSource = browserEventSource(),
}: {
  taskId: string;
  /** stream only while the task is queued or running */
  enabled: boolean;
  /** the newest event already shown: the stream starts after it */
  lastEventId?: number | undefined;
  onEnd?: () => void;
  /** each new stored event, once */
  onEvent?: (event: TaskEvent) => void;
  eventSource?: EventSourceConstructor | undefined;
}): { events: TaskEvent[]; progress: LiveProgress | null; state: StreamState } {
  const [events, setEvents] = useState<TaskEvent[]>([]);
  const [progress, setProgress] = useState<LiveProgress | null>(null);
  const [state, setState] = useState<StreamState>("idle");
  const lastEventIdRef = useRef(lastEventId);
  lastEventIdRef.current = lastEventId;
  const onEndRef = useRef(onEnd);
  onEndRef.current = onEnd;
  const onEventRef = useRef(onEvent);
  onEventRef.current = onEvent;

  useEffect(() => {
    if (!enabled) return;
    if (!eventSource) {
      setState("polling");
      return;
    }
    const source = new eventSource(taskEventsUrl(taskId, lastEventIdRef.current));
    let errors = 0;
    let done = false;
    const seen = new Set<number>();
    setState("connecting");
    source.addEventListener("open", () => {
      if (!done) setState("live");
    });
    source.addEventListener("task", (message) => {
      const event = parseEvent(message.data);
      if (!event || done) return;
      setState("live");
      if (event.id === null) {
        setProgress(event);
        return;
      }
      if (seen.has(event.id)) return; // a reconnect may resend what was already shown
      seen.add(event.id);
      setProgress(null); // a stored step supersedes the passing progress
      setEvents((shown) => [...shown, event]);
      onEventRef.current?.(event);
    });
    source.addEventListener("end", () => {
      done = true;
      source.close();
      setState("ended");
      setProgress(null);
      onEndRef.current?.();
    });
    source.addEventListener("error", () => {
      if (done) return;
      errors += 1;
      if (source.readyState === CLOSED || errors >= MAX_STREAM_ERRORS) {
        done = true;
        source.close();
        setState("polling");
      } else {
        setState("connecting"); // the browser reconnects by itself, sending Last-Event-ID
      }
    });
    return () => {
      done = true;
      source.close();
    };
  }, [taskId, enabled, eventSource]);

  return { events, progress, state };
}

/** The stored events and the streamed ones, each once, in order. */
export function mergeEvents(stored: TaskEvent[], streamed: TaskEvent[]): TaskEvent[] {
  const byId = new Map<number, TaskEvent>();
  for (const event of [...stored, ...streamed]) if (!byId.has(event.id)) byId.set(event.id, event);
  return [...byId.values()].sort((a, b) => a.id - b.id);
}
