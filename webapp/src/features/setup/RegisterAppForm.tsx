// No GitHub App yet: app name, public URL, account; "Register GitHub App" fetches the manifest
// and posts it to GitHub as a real form (GitHub then redirects back to /setup/complete).
import { useMutation } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { api, type ManifestAnswer, type ManifestRequest } from "../../api/client";
import { ErrorNote } from "../../components/ErrorNote";
import { postManifest } from "./postManifest";

const field =
  "mt-1 block w-full rounded-md border border-slate-400 bg-white px-3 py-2 text-slate-900 " +
  "focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600 " +
  "dark:border-slate-500 dark:bg-slate-900 dark:text-slate-100 dark:focus-visible:outline-blue-400";

type Account = "personal" | "organization";

export function RegisterAppForm({
  defaultUrl = window.location.origin,
  submit = postManifest,
}: {
  defaultUrl?: string;
  submit?: (answer: ManifestAnswer) => void;
}) {
  const ids = useId();
  const [name, setName] = useState("MorningAI");
  const [url, setUrl] = useState(defaultUrl);
  const [account, setAccount] = useState<Account>("personal");
  const [org, setOrg] = useState("");
  const manifest = useMutation({
    mutationFn: (request: ManifestRequest) => api.setupManifest(request),
    onSuccess: submit,
  });

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    manifest.mutate({
      name: name.trim(),
      url: url.trim(),
      org: account === "organization" ? org.trim() : "",
    });
  }

  return (
    <form onSubmit={onSubmit} className="mt-4 space-y-5" aria-describedby={`${ids}-intro`}>
      <p id={`${ids}-intro`} className="text-slate-700 dark:text-slate-200">
        No GitHub App is registered yet. GitHub creates one from MorningAI&apos;s manifest in one
        click, then sends you back here.
      </p>
      <div>
        <label htmlFor={`${ids}-name`} className="font-medium">
          App name
        </label>
        <input
          id={`${ids}-name`}
          className={field}
          value={name}
          required
          maxLength={34}
          onChange={(e) => setName(e.target.value)}
        />
      </div>
      <div>
        <label htmlFor={`${ids}-url`} className="font-medium">
          Public URL
        </label>
        <input
          id={`${ids}-url`}
          type="url"
          className={field}
          value={url}
          required
          aria-describedby={`${ids}-url-hint`}
          onChange={(e) => setUrl(e.target.value)}
        />
        <p id={`${ids}-url-hint`} className="mt-1 text-sm text-slate-600 dark:text-slate-300">
          Where GitHub reaches this server: webhooks go to its <code>/api/github/webhooks</code>.
        </p>
      </div>
      <fieldset>
        <legend className="font-medium">Owner of the App</legend>
        <div className="mt-2 flex flex-col gap-2 sm:flex-row sm:gap-6">
          {(
            [
              ["personal", "My personal account"],
              ["organization", "An organisation"],
            ] as const
          ).map(([value, text]) => (
            <label key={value} className="inline-flex min-h-11 items-center gap-2">
              <input
                type="radio"
                name={`${ids}-account`}
                value={value}
                checked={account === value}
                onChange={() => setAccount(value)}
                className="size-4 accent-blue-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600"
              />
              {text}
            </label>
          ))}
        </div>
      </fieldset>
      {account === "organization" && (
        <div>
          <label htmlFor={`${ids}-org`} className="font-medium">
            Organisation name
          </label>
          <input
            id={`${ids}-org`}
            className={field}
            value={org}
            required
            autoComplete="off"
            onChange={(e) => setOrg(e.target.value)}
          />
        </div>
      )}
      {manifest.isError && (
        <ErrorNote title="GitHub App not registered">{manifest.error.message}</ErrorNote>
      )}
      <button
        type="submit"
        disabled={manifest.isPending}
        className="inline-flex min-h-11 w-full items-center justify-center rounded-md bg-blue-700 px-4 py-2 font-medium text-white hover:bg-blue-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600 disabled:opacity-60 sm:w-auto dark:bg-blue-500 dark:text-slate-950 dark:hover:bg-blue-400 dark:focus-visible:outline-blue-400"
      >
        {manifest.isPending ? "Preparing the manifest…" : "Register GitHub App"}
      </button>
    </form>
  );
}
