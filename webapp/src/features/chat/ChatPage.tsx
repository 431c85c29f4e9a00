// `/chat`: MorningAI in Slack, Discord and Telegram. Per reached installation: its linked
// workspaces (unlink, notifications), codes to link a workspace (admins) and one's own chat
// account (everyone). docs/api.md, "Chat".
import { useId, useRef, useState } from "react";
import { CHAT_PLATFORMS, type ChatInstallation, type ChatWorkspace } from "../../api/client";
import { ErrorNote } from "../../components/ErrorNote";
import { Empty, Loading } from "../../components/StatusNote";
import { muted } from "../../components/styles";
import { UserLinkPanel, WorkspaceLinkPanel } from "./LinkPanel";
import { WorkspaceCard } from "./WorkspaceCard";
import { useChatWorkspaces } from "./useChat";

function InstallationSection({
  installation,
  workspaces,
}: {
  installation: ChatInstallation;
  workspaces: ChatWorkspace[];
}) {
  const id = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const [unlinked, setUnlinked] = useState<string | null>(null);
  const platforms = CHAT_PLATFORMS.filter((platform) => workspaces.some((w) => w.platform === platform));
  return (
    <section aria-labelledby={id} className="mt-8">
      <h2 id={id} ref={heading} tabIndex={-1} className="text-xl font-semibold break-all focus:outline-none">
        {installation.account}
      </h2>
      <p role="status" className={unlinked ? `mt-2 ${muted}` : "sr-only"}>
        {unlinked ? `Unlinked ${unlinked}.` : ""}
      </p>
      {!installation.tenant ? (
        <p className={`mt-2 ${muted}`}>
          MorningAI has not received this installation from GitHub yet; chat links are possible once it has.
        </p>
      ) : (
        <>
          {workspaces.length === 0 ? (
            <Empty>No Slack workspace, Discord server or Telegram chat is linked to {installation.account} yet.</Empty>
          ) : (
            <div className="mt-4 space-y-4">
              {workspaces.map((workspace) => (
                <WorkspaceCard
                  key={workspace.id}
                  workspace={workspace}
                  onUnlinked={(name) => {
                    setUnlinked(name);
                    heading.current?.focus(); // the Unlink button is about to go
                  }}
                />
              ))}
            </div>
          )}
          <WorkspaceLinkPanel installation={installation} />
          <UserLinkPanel installation={installation} platforms={platforms} />
        </>
      )}
    </section>
  );
}

export function ChatPage() {
  const chat = useChatWorkspaces();
  return (
    <section aria-labelledby="chat-title">
      <title>Chat · MorningAI</title>
      <h1 id="chat-title" className="text-2xl font-semibold tracking-tight">
        Chat
      </h1>
      <p className={`mt-2 ${muted}`}>
        Ask MorningAI questions and start tasks from Slack, Discord and Telegram, and choose which channels hear
        about your tasks.
      </p>
      {chat.isPending && <Loading>Loading chat links…</Loading>}
      {chat.isError && <ErrorNote title="Could not load the chat links">{chat.error.message}</ErrorNote>}
      {chat.isSuccess &&
        (chat.data.installations.length === 0 ? (
          <Empty>No installations yet: install the App on an account and it appears here.</Empty>
        ) : (
          chat.data.installations.map((installation) => (
            <InstallationSection
              key={installation.id}
              installation={installation}
              workspaces={chat.data.workspaces.filter((w) => w.installation_id === installation.id)}
            />
          ))
        ))}
    </section>
  );
}
