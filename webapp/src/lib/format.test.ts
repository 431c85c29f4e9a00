import { describe, expect, it } from "vitest";
import { duration, money, percent, relativeTime } from "./format";

describe("format", () => {
  it.each([
    ["0.0123", "$0.0123"],
    ["0.840000", "$0.84"],
    ["0.000000", "$0.00"],
    ["1.2", "$1.20"],
    ["14", "$14.00"],
    ["-0.5", "-$0.50"],
  ])("money(%s) is %s", (value, shown) => {
    expect(money(value)).toBe(shown);
  });

  it("says — for what is unknown", () => {
    expect(money(null)).toBe("—");
    expect(duration(null)).toBe("—");
    expect(percent(null)).toBe("—");
  });

  it("shows durations and relative times a person reads at a glance", () => {
    expect(duration(12.5)).toBe("13 s");
    expect(duration(95)).toBe("1 min 35 s");
    expect(duration(7320)).toBe("2 h 2 min");
    const now = Date.parse("2026-12-04T12:00:00Z");
    expect(relativeTime("2026-12-04T11:57:00Z", now)).toBe("3 minutes ago");
    expect(relativeTime("2026-12-03T12:00:00Z", now)).toBe("yesterday");
  });
});
