// The chat platforms as the Chat page names and marks them, and the events a channel may hear.
import type { ChatPlatform } from "../../api/client";

export const PLATFORM_NAMES: Record<ChatPlatform, string> = {
  slack: "Slack",
  discord: "Discord",
  telegram: "Telegram",
};

/** What one linked thing is called on each platform. */
export const WORKSPACE_NOUNS: Record<ChatPlatform, string> = {
  slack: "Slack workspace",
  discord: "Discord server",
  telegram: "Telegram chat",
};

/** How a person pastes a code there (the server's instructions say the same, with the code).
 * Sent where MorningAI already is in a linked workspace: for Telegram that is the linked chat
 * itself, since a private chat with the bot is not a linked workspace (web/chat/intake.py). */
export const LINK_COMMANDS: Record<ChatPlatform, string> = {
  slack: "/morningai link CODE",
  discord: "/morningai link code:CODE",
  telegram: "/link CODE",
};

export const EVENT_LABELS: Record<string, string> = {
  task_started: "Task started",
  pr_opened: "Pull request opened",
  task_failed: "Task failed",
  faq_pr_opened: "FAQ pull request opened",
  budget_warning: "Budget warnings",
};

export function platformName(platform: string): string {
  return PLATFORM_NAMES[platform as ChatPlatform] ?? platform;
}

export function eventLabel(event: string): string {
  return EVENT_LABELS[event] ?? event;
}

const marks: Record<ChatPlatform, { letter: string; tone: string }> = {
  slack: { letter: "S", tone: "bg-purple-700 text-white dark:bg-purple-400 dark:text-slate-950" },
  discord: { letter: "D", tone: "bg-indigo-700 text-white dark:bg-indigo-400 dark:text-slate-950" },
  telegram: { letter: "T", tone: "bg-sky-700 text-white dark:bg-sky-400 dark:text-slate-950" },
};

/** A small coloured mark with the platform's initial, and its name beside it (the mark is decoration). */
export function PlatformLabel({ platform }: { platform: string }) {
  const mark = marks[platform as ChatPlatform] ?? {
    letter: "?",
    tone: "bg-slate-600 text-white dark:bg-slate-300 dark:text-slate-950",
  };
  return (
    <span className="inline-flex items-center gap-1.5 text-sm font-medium">
      <span
        aria-hidden="true"
        className={`inline-flex size-5 items-center justify-center rounded text-xs font-bold ${mark.tone}`}
      >
        {mark.letter}
      </span>
      {platformName(platform)}
    </span>
  );
}
