// Asking for link codes for one installation: a workspace code (admins) to link a Slack
// workspace, Discord server or Telegram chat, and a user code (everyone who reaches it) to link
// one's own chat account to this GitHub account.
import { useMutation } from "@tanstack/react-query";
import { useId } from "react";
import {
  CHAT_PLATFORMS,
  api,
  type ChatInstallation,
  type ChatPlatform,
  type LinkCode,
  type LinkPurpose,
} from "../../api/client";
import { ErrorNote } from "../../components/ErrorNote";
import { muted, primaryButton, secondaryButton } from "../../components/styles";
import { useCsrfToken } from "../auth/useMe";
import { LinkCodeBox } from "./LinkCodeBox";
import { LINK_COMMANDS, PLATFORM_NAMES, WORKSPACE_NOUNS } from "./platforms";

function useLinkCode(installationId: number, purpose: LinkPurpose) {
  const csrf = useCsrfToken();
  const mutation = useMutation({
    mutationFn: (platform: ChatPlatform): Promise<LinkCode> =>
      api.chatLinkCode({ installation_id: installationId, purpose, platform }, csrf ?? ""),
    // the answer is a credential: keep it no longer than the component shows it
    gcTime: 0,
  });
  return { mutation, ready: csrf !== null };
}

/** The code, announced once when it arrives (the countdown stays outside the live region). */
function Issued({ mutation }: { mutation: ReturnType<typeof useLinkCode>["mutation"] }) {
  const issued = mutation.isSuccess ? mutation.data : null;
  return (
    <>
      <div role="status" aria-live="polite" className="sr-only">
        {issued ? `${PLATFORM_NAMES[issued.platform] ?? issued.platform} code ready: ${issued.instructions.replaceAll("`", "")}` : ""}
      </div>
      {issued && <LinkCodeBox issued={issued} onDone={() => mutation.reset()} />}
      {mutation.isError && (
        <ErrorNote title={`No ${PLATFORM_NAMES[mutation.variables] ?? ""} code`}>{mutation.error.message}</ErrorNote>
      )}
    </>
  );
}

export function WorkspaceLinkPanel({ installation }: { installation: ChatInstallation }) {
  const id = useId();
  const { mutation, ready } = useLinkCode(installation.id, "workspace");
  return (
    <section aria-labelledby={id} className="mt-4">
      <h3 id={id} className="text-base font-semibold">
        Link a workspace
      </h3>
      {installation.admin ? (
        <>
          <p className={`mt-1 text-sm ${muted}`}>
            Get a one-time code, then send it from the workspace, server or chat you are linking to{" "}
            {installation.account}.
          </p>
          <div className="mt-2 flex flex-wrap gap-2">
            {CHAT_PLATFORMS.map((platform) => (
              <button
                key={platform}
                type="button"
                className={platform === "slack" ? primaryButton : secondaryButton}
                disabled={!ready || mutation.isPending}
                onClick={() => mutation.mutate(platform)}
              >
                Link a {WORKSPACE_NOUNS[platform]}
              </button>
            ))}
          </div>
          <Issued mutation={mutation} />
        </>
      ) : (
        <p className={`mt-1 text-sm ${muted}`}>
          Only an admin of {installation.account} can link a Slack workspace, Discord server or Telegram chat to
          it; ask one of its organization owners.
        </p>
      )}
    </section>
  );
}

export function UserLinkPanel({
  installation,
  platforms,
}: {
  installation: ChatInstallation;
  /** the platforms with a workspace linked to this installation: a user code works only there */
  platforms: ChatPlatform[];
}) {
  const id = useId();
  const { mutation, ready } = useLinkCode(installation.id, "user");
  return (
    <section aria-labelledby={id} className="mt-4">
      <h3 id={id} className="text-base font-semibold">
        Link my chat account
      </h3>
      {platforms.length === 0 ? (
        <p className={`mt-1 text-sm ${muted}`}>
          Once a workspace is linked to {installation.account}, you can link your chat account here.
        </p>
      ) : (
        <>
          <p className={`mt-1 text-sm ${muted}`}>
            So MorningAI knows you in chat as your GitHub account: get a code, then send{" "}
            {platforms.map((platform, index) => (
              <span key={platform}>
                {index > 0 && (index === platforms.length - 1 ? " or " : ", ")}
                <code className="font-mono">{LINK_COMMANDS[platform]}</code> in the linked {WORKSPACE_NOUNS[platform]}
              </span>
            ))}
            .
          </p>
          <div className="mt-2 flex flex-wrap gap-2">
            {platforms.map((platform) => (
              <button
                key={platform}
                type="button"
                className={secondaryButton}
                disabled={!ready || mutation.isPending}
                onClick={() => mutation.mutate(platform)}
              >
                Link my {PLATFORM_NAMES[platform]} account
              </button>
            ))}
          </div>
          <Issued mutation={mutation} />
        </>
      )}
    </section>
  );
}
