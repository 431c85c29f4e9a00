// First start: what GET /api/setup/status says, then either the registration form or the links
// to install the App and sign in.
import { useQuery } from "@tanstack/react-query";
import { api } from "../../api/client";
import { ErrorNote } from "../../components/ErrorNote";
import { MissingSettings } from "./MissingSettings";
import { RegisterAppForm } from "./RegisterAppForm";
import { SetupChecks } from "./SetupChecks";
import { SetupDone } from "./SetupDone";

export function SetupPage() {
  const status = useQuery({ queryKey: ["setup", "status"], queryFn: api.setupStatus });

  return (
    <section aria-labelledby="setup-title" className="mx-auto max-w-xl">
      <h1 id="setup-title" className="text-2xl font-semibold tracking-tight">
        Set up MorningAI
      </h1>
      {status.isPending && (
        <p role="status" className="mt-4 text-slate-600 dark:text-slate-300">
          Checking whether a GitHub App is registered…
        </p>
      )}
      {status.isError && (
        <ErrorNote title="Could not read the set-up status">{status.error.message}</ErrorNote>
      )}
      {status.isSuccess &&
        (status.data.configured ? (
          <SetupDone installUrl={status.data.install_url ?? null} />
        ) : (
          <>
            <MissingSettings names={status.data.missing ?? []} />
            <RegisterAppForm />
          </>
        ))}
      <SetupChecks />
    </section>
  );
}
