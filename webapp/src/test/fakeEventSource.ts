// A fake EventSource the tests drive by hand: emit("task", json), emit("end"), fail().
import { act } from "@testing-library/react";
import type { EventSourceConstructor, EventSourceLike } from "../features/tasks/useTaskEvents";

type Listener = (event: MessageEvent<string>) => void;

export interface FakeSource extends EventSourceLike {
  url: string;
  closed: boolean;
  emit(type: string, data?: unknown): void;
  /** an error; `closed` as when the server refused the stream (the browser gives up) */
  fail(closed?: boolean): void;
}

export function fakeEventSource(): { EventSource: EventSourceConstructor; instances: FakeSource[] } {
  const instances: FakeSource[] = [];
  class Fake implements FakeSource {
    readyState = 0;
    closed = false;
    readonly url: string;
    private readonly listeners = new Map<string, Listener[]>();

    constructor(url: string) {
      this.url = url;
      instances.push(this);
    }

    addEventListener(type: string, listener: Listener): void {
      this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
    }

    close(): void {
      this.readyState = 2;
      this.closed = true;
    }

    emit(type: string, data?: unknown): void {
      if (type === "open") this.readyState = 1;
      const message = new MessageEvent<string>(type, {
        data: data === undefined ? "" : typeof data === "string" ? data : JSON.stringify(data),
      });
      act(() => {
        for (const listener of this.listeners.get(type) ?? []) listener(message);
      });
    }

    fail(closed = false): void {
      this.readyState = closed ? 2 : 0;
      this.emit("error");
    }
  }
  return { EventSource: Fake, instances };
}
