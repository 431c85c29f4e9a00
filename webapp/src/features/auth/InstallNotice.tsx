// Signed in, but no installation MorningAI knows (tenant) is within the person's reach: say how
// to install the App (install_url from /api/setup/status).
import { useQuery } from "@tanstack/react-query";
import { api, type Installation } from "../../api/client";
import { link } from "../../components/styles";

export function InstallNotice({ installations }: { installations: Installation[] }) {
  const needed = !installations.some((installation) => installation.tenant);
  const status = useQuery({ queryKey: ["setup", "status"], queryFn: api.setupStatus, enabled: needed });
  if (!needed) return null;
  const pending = installations.filter((installation) => !installation.tenant);
  const installUrl = status.data?.install_url ?? null;
  return (
    <aside
      aria-label="Install the App"
      className="mb-6 rounded-md border border-amber-600 bg-amber-50 p-4 text-amber-950 dark:border-amber-400 dark:bg-amber-950 dark:text-amber-50"
    >
      <p className="font-medium">MorningAI is not installed on any account you can reach.</p>
      {pending.length > 0 && (
        <p className="mt-1">
          GitHub knows the installation on {pending.map((i) => i.account).join(", ")}, but MorningAI
          has not received its installation webhook yet. Reload in a minute.
        </p>
      )}
      <p className="mt-1">
        {installUrl ? (
          <a href={installUrl} className={link}>
            Install the App on GitHub
          </a>
        ) : (
          "Install the App on your repositories from its settings page on GitHub."
        )}{" "}
        Then its tasks, FAQ entries and repositories appear here.
      </p>
    </aside>
  );
}
