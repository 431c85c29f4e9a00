// One linked workspace: its platform, name, who linked it and when; Unlink (admins, confirmed
// inline) and its notification subscriptions.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";
import { api, type ChatWorkspace } from "../../api/client";
import { Badge } from "../../components/Badge";
import { ErrorNote } from "../../components/ErrorNote";
import { Time } from "../../components/Time";
import { card, dangerButton, muted, secondaryButton } from "../../components/styles";
import { useCsrfToken } from "../auth/useMe";
import { PlatformLabel, platformName } from "./platforms";
import { Subscriptions } from "./Subscriptions";
import { CHAT_KEY } from "./useChat";

function Unlink({ workspace, onUnlinked }: { workspace: ChatWorkspace; onUnlinked: (name: string) => void }) {
  const ids = useId();
  const csrf = useCsrfToken();
  const client = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const unlinkRef = useRef<HTMLButtonElement>(null);
  const unlink = useMutation({
    mutationFn: () => api.unlinkChatWorkspace(workspace.id, csrf ?? ""),
    onSuccess: () => {
      onUnlinked(workspace.name || workspace.external_id);
      return client.invalidateQueries({ queryKey: CHAT_KEY });
    },
    onSettled: () => setConfirming(false),
  });
  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);

  function cancel() {
    setConfirming(false);
    unlinkRef.current?.focus();
  }

  return (
    <div className="mt-3 space-y-3">
      <button
        ref={unlinkRef}
        type="button"
        className={secondaryButton}
        disabled={csrf === null || unlink.isPending}
        aria-expanded={confirming}
        onClick={() => setConfirming(true)}
      >
        Unlink
      </button>
      {confirming && (
        <div
          role="group"
          aria-labelledby={`${ids}-question`}
          onKeyDown={(event) => {
            if (event.key === "Escape") cancel();
          }}
          className="rounded-md border border-slate-300 p-3 dark:border-slate-700"
        >
          <p id={`${ids}-question`}>
            Unlink {workspace.name}? MorningAI stops answering there, and its linked chat users and
            notifications go with it.
          </p>
          <div className="mt-3 flex flex-wrap gap-3">
            <button
              ref={confirmRef}
              type="button"
              className={dangerButton}
              disabled={unlink.isPending}
              onClick={() => unlink.mutate()}
            >
              Confirm unlink
            </button>
            <button type="button" className={secondaryButton} onClick={cancel}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {unlink.isError && <ErrorNote title="Not unlinked">{unlink.error.message}</ErrorNote>}
    </div>
  );
}

export function WorkspaceCard({
  workspace,
  onUnlinked,
}: {
  workspace: ChatWorkspace;
  /** the card goes away: the page says so and keeps the focus */
  onUnlinked: (name: string) => void;
}) {
  const id = useId();
  return (
    <article aria-labelledby={id} className={card}>
      <div className="flex flex-wrap items-center gap-2">
        <PlatformLabel platform={workspace.platform} />
        <h3 id={id} className="text-lg font-semibold break-all">
          {workspace.name || workspace.external_id}
        </h3>
        {workspace.platform === "slack" && (
          <Badge tone={workspace.bot_installed ? "green" : "amber"}>
            {workspace.bot_installed ? "bot installed" : "bot not installed"}
          </Badge>
        )}
      </div>
      <p className={`mt-1 text-sm ${muted}`}>
        {platformName(workspace.platform)} id <span className="font-mono">{workspace.external_id}</span> · linked
        by {workspace.linked_by} <Time at={workspace.linked_at} />
      </p>
      {workspace.can_manage && <Unlink workspace={workspace} onUnlinked={onUnlinked} />}
      <Subscriptions workspace={workspace} />
    </article>
  );
}
