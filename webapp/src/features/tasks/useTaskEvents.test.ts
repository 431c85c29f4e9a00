import { renderHook } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { fakeEventSource } from "../../test/fakeEventSource";
import { MAX_STREAM_ERRORS, mergeEvents, useTaskEvents } from "./useTaskEvents";

const event = (id: number) => ({ id, type: "progress", message: `event ${id}`, stage: null, link: null, at: "2026-12-04T10:00:00Z" });

describe("useTaskEvents", () => {
  it("opens nothing while disabled (a finished task)", () => {
    const fake = fakeEventSource();
    const { result } = renderHook(() => useTaskEvents({ taskId: "5", enabled: false, eventSource: fake.EventSource }));
    expect(fake.instances).toHaveLength(0);
    expect(result.current.state).toBe("idle");
  });

  it("rides out a reconnect, then polls after repeated errors", () => {
    const fake = fakeEventSource();
    const { result } = renderHook(() => useTaskEvents({ taskId: "5", enabled: true, eventSource: fake.EventSource }));
    const source = fake.instances[0]!;
    expect(source.url).toBe("/api/tasks/5/events");
    source.emit("open");
    expect(result.current.state).toBe("live");
    source.fail(); // the browser reconnects by itself
    expect(result.current.state).toBe("connecting");
    expect(source.closed).toBe(false);
    for (let i = 1; i < MAX_STREAM_ERRORS; i += 1) source.fail();
    expect(result.current.state).toBe("polling");
    expect(source.closed).toBe(true);
  });

  it("skips malformed frames, de-duplicates, and calls onEnd once on end", () => {
    const fake = fakeEventSource();
    const onEnd = vi.fn();
    const { result, unmount } = renderHook(() =>
      useTaskEvents({ taskId: "5", enabled: true, lastEventId: 9, onEnd, eventSource: fake.EventSource }),
    );
    const source = fake.instances[0]!;
    expect(source.url).toBe("/api/tasks/5/events?last_event_id=9");
    source.emit("task", "not json");
    source.emit("task", event(10));
    source.emit("task", event(10));
    source.emit("task", event(11));
    expect(result.current.events.map((e) => e.id)).toEqual([10, 11]);
    source.emit("end");
    source.fail(true); // the server closing after end is no failure
    expect(result.current.state).toBe("ended");
    expect(onEnd).toHaveBeenCalledTimes(1);
    unmount();
    expect(source.closed).toBe(true);
  });

  it("keeps progress without an id as the latest progress, never in the events", () => {
    const fake = fakeEventSource();
    const onEvent = vi.fn();
    const { result } = renderHook(() => useTaskEvents({ taskId: "5", enabled: true, onEvent, eventSource: fake.EventSource }));
    const source = fake.instances[0]!;
    source.emit("task", { ...event(0), id: null, message: "Reading src/a.py" });
    source.emit("task", { ...event(0), id: null, message: "Reading src/b.py" });
    expect(result.current.events).toEqual([]);
    expect(result.current.progress?.message).toBe("Reading src/b.py");
    source.emit("task", event(12));
    source.emit("task", event(12));
    expect(result.current.progress).toBeNull();
    expect(onEvent.mock.calls.map(([e]) => e.id)).toEqual([12]);
  });

  it("falls back to polling where the browser has no EventSource", () => {
    const { result } = renderHook(() => useTaskEvents({ taskId: "5", enabled: true, eventSource: undefined }));
    expect(result.current.state).toBe("polling");
  });

  it("merges stored and streamed events by id, in order", () => {
    expect(mergeEvents([event(1), event(3)], [event(3), event(2)]).map((e) => e.id)).toEqual([1, 2, 3]);
  });
});
