// A time relative to now, with the absolute time in the title and machine-readable in dateTime.
import { absoluteTime, relativeTime } from "../lib/format";

export function Time({ at }: { at: string | null | undefined }) {
  if (!at) return <span aria-label="not yet">—</span>;
  return (
    <time dateTime={at} title={absoluteTime(at)}>
      {relativeTime(at)}
    </time>
  );
}
