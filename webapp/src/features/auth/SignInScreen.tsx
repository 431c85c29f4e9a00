// Shown instead of a page when /api/me answers 401.
import { muted, primaryButton } from "../../components/styles";

export function SignInScreen() {
  return (
    <section aria-labelledby="sign-in-title" className="mx-auto max-w-xl">
      <title>Sign in · MorningAI</title>
      <h1 id="sign-in-title" className="text-2xl font-semibold tracking-tight">
        Sign in to MorningAI
      </h1>
      <p className={`mt-4 ${muted}`}>
        MorningAI shows you the tasks, FAQ entries and repositories of the GitHub App installations
        you can reach on GitHub.
      </p>
      {/* A plain link: the server sends the browser on to GitHub and back. */}
      <a href="/login" className={`mt-6 ${primaryButton}`}>
        Sign in with GitHub
      </a>
    </section>
  );
}
