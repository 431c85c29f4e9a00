// One workspace's notification subscriptions: which channel hears which events, for one
// repository or for all of them. Set through PUT /api/chat/subscriptions (events: [] removes);
// installation-wide rows need admin, a repository's rows write access to it (the API says 403).
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import {
  CHAT_EVENTS,
  api,
  type ChatSubscription,
  type ChatWorkspace,
  type SubscriptionRequest,
} from "../../api/client";
import { ErrorNote } from "../../components/ErrorNote";
import { Loading } from "../../components/StatusNote";
import { field, muted, primaryButton, secondaryButton } from "../../components/styles";
import { useCsrfToken } from "../auth/useMe";
import { useRepositories } from "../repositories/useRepositories";
import { eventLabel } from "./platforms";
import { CHAT_KEY, useChatSubscriptions } from "./useChat";

function usePut(workspaceId: number) {
  const csrf = useCsrfToken();
  const client = useQueryClient();
  const put = useMutation({
    mutationFn: (request: Omit<SubscriptionRequest, "workspace_id">) =>
      api.putChatSubscription({ workspace_id: workspaceId, ...request }, csrf ?? ""),
    onSuccess: () => client.invalidateQueries({ queryKey: [...CHAT_KEY, "subscriptions", workspaceId] }),
  });
  return { put, ready: csrf !== null };
}

function EventBoxes({
  events,
  chosen,
  onChange,
  disabled,
  legend,
}: {
  events: string[];
  chosen: string[];
  onChange: (events: string[]) => void;
  disabled: boolean;
  legend: string;
}) {
  return (
    <fieldset className="mt-2">
      <legend className="text-sm font-medium">{legend}</legend>
      <div className="mt-1 flex flex-wrap gap-x-4 gap-y-1">
        {events.map((event) => (
          <label key={event} className="inline-flex min-h-11 items-center gap-2 text-sm sm:min-h-0">
            <input
              type="checkbox"
              className="size-4"
              checked={chosen.includes(event)}
              disabled={disabled}
              onChange={(e) =>
                onChange(
                  e.target.checked
                    ? events.filter((name) => name === event || chosen.includes(name))
                    : chosen.filter((name) => name !== event),
                )
              }
            />
            {eventLabel(event)}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

function where(repository: string | null): string {
  return repository ?? "all repositories";
}

function SubscriptionRow({
  subscription,
  events,
}: {
  subscription: ChatSubscription;
  events: string[];
}) {
  const ids = useId();
  const [chosen, setChosen] = useState(subscription.events);
  const { put, ready } = usePut(subscription.workspace_id);
  const changed =
    chosen.length !== subscription.events.length || chosen.some((event) => !subscription.events.includes(event));
  const target = { channel_id: subscription.channel_id, repository: subscription.repository };
  return (
    <li className="rounded-md border border-slate-200 p-3 dark:border-slate-700">
      <p className="text-sm">
        Channel <span className="font-mono break-all">{subscription.channel_id}</span> ·{" "}
        <span className={subscription.repository ? "break-all" : "italic"}>{where(subscription.repository)}</span>
        <span className={muted}> · set by {subscription.created_by}</span>
      </p>
      <EventBoxes
        legend={`Events for ${subscription.channel_id}, ${where(subscription.repository)}`}
        events={events}
        chosen={chosen}
        onChange={setChosen}
        disabled={!subscription.can_change || put.isPending}
      />
      {subscription.can_change ? (
        <div className="mt-2 flex flex-wrap gap-2">
          <button
            type="button"
            className={primaryButton}
            disabled={!ready || !changed || chosen.length === 0 || put.isPending}
            onClick={() => put.mutate({ ...target, events: chosen })}
          >
            Save
          </button>
          <button
            type="button"
            className={secondaryButton}
            aria-describedby={`${ids}-remove`}
            disabled={!ready || put.isPending}
            onClick={() => put.mutate({ ...target, events: [] })}
          >
            Remove
          </button>
          <span id={`${ids}-remove`} className="sr-only">
            Stop notifying channel {subscription.channel_id} about {where(subscription.repository)}
          </span>
        </div>
      ) : (
        <p className={`mt-2 text-sm ${muted}`}>
          {subscription.repository
            ? `Changing this needs write access to ${subscription.repository}.`
            : "Changing notifications for all repositories needs admin rights."}
        </p>
      )}
      {put.isError && <ErrorNote title="Not saved">{put.error.message}</ErrorNote>}
      {put.isSuccess && put.data.subscription !== null && (
        <p role="status" className={`mt-2 text-sm ${muted}`}>
          Saved.
        </p>
      )}
    </li>
  );
}

function AddSubscription({ workspace, events }: { workspace: ChatWorkspace; events: string[] }) {
  const ids = useId();
  const repositories = useRepositories();
  const names = (repositories.data?.repositories ?? [])
    .filter((r) => r.installation_id === workspace.installation_id)
    .map((r) => r.full_name)
    .sort();
  const admin = workspace.can_manage;
  const [channel, setChannel] = useState("");
  const [repository, setRepository] = useState("");
  const [chosen, setChosen] = useState<string[]>([]);
  const { put, ready } = usePut(workspace.id);
  // a non-admin may only choose a repository: start on the first one there is
  const selected = !admin && repository === "" && names.length > 0 ? (names[0] ?? "") : repository;

  function submit(event: FormEvent) {
    event.preventDefault();
    put.mutate(
      { channel_id: channel.trim(), repository: selected === "" ? null : selected, events: chosen },
      {
        onSuccess: () => {
          setChannel("");
          setChosen([]);
        },
      },
    );
  }

  return (
    <form onSubmit={submit} aria-labelledby={`${ids}-title`} className="mt-3">
      <h5 id={`${ids}-title`} className="text-sm font-semibold">
        Add a channel
      </h5>
      <div className="mt-1 grid gap-3 sm:grid-cols-2">
        <div>
          <label htmlFor={`${ids}-channel`} className="text-sm font-medium">
            Channel id
          </label>
          <input
            id={`${ids}-channel`}
            className={`${field} font-mono`}
            value={channel}
            maxLength={100}
            required
            aria-describedby={`${ids}-channel-help`}
            onChange={(e) => setChannel(e.target.value)}
          />
          <p id={`${ids}-channel-help`} className={`mt-1 text-xs ${muted}`}>
            The platform's id for the channel (Slack C0123…, a Discord channel number, a Telegram chat id).
          </p>
        </div>
        <div>
          <label htmlFor={`${ids}-repository`} className="text-sm font-medium">
            Repository
          </label>
          <select
            id={`${ids}-repository`}
            className={field}
            value={selected}
            onChange={(e) => setRepository(e.target.value)}
          >
            <option value="" disabled={!admin}>
              {admin ? "All repositories" : "All repositories (admins only)"}
            </option>
            {names.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </div>
      </div>
      <EventBoxes legend="Events" events={events} chosen={chosen} onChange={setChosen} disabled={put.isPending} />
      <button
        type="submit"
        className={`${primaryButton} mt-2`}
        disabled={!ready || put.isPending || chosen.length === 0 || channel.trim() === "" || (!admin && selected === "")}
      >
        Add
      </button>
      {put.isError && <ErrorNote title="Not added">{put.error.message}</ErrorNote>}
      {put.isSuccess && (
        <p role="status" className={`mt-2 text-sm ${muted}`}>
          Added.
        </p>
      )}
    </form>
  );
}

export function Subscriptions({ workspace }: { workspace: ChatWorkspace }) {
  const id = useId();
  const subscriptions = useChatSubscriptions(workspace.id);
  const events = subscriptions.data?.events.length ? subscriptions.data.events : [...CHAT_EVENTS];
  return (
    <section aria-labelledby={id} className="mt-4">
      <h4 id={id} className="text-base font-semibold">
        Notifications
      </h4>
      {subscriptions.isPending && <Loading>Loading notifications…</Loading>}
      {subscriptions.isError && (
        <ErrorNote title="Could not load the notifications">{subscriptions.error.message}</ErrorNote>
      )}
      {subscriptions.isSuccess && (
        <>
          {subscriptions.data.subscriptions.length === 0 ? (
            <p className={`mt-1 text-sm ${muted}`}>No channel hears anything yet.</p>
          ) : (
            <ul className="mt-2 space-y-2">
              {subscriptions.data.subscriptions.map((subscription) => (
                <SubscriptionRow
                  key={subscription.id}
                  subscription={subscription}
                  events={events}
                />
              ))}
            </ul>
          )}
          <AddSubscription workspace={workspace} events={events} />
        </>
      )}
    </section>
  );
}
