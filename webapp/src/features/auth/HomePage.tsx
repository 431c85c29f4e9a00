// `/`: the setup page until a GitHub App is configured; then the sign-in screen, or the tasks.
import { useQuery } from "@tanstack/react-query";
import { Navigate } from "react-router";
import { api } from "../../api/client";
import { ErrorNote } from "../../components/ErrorNote";
import { Loading } from "../../components/StatusNote";
import { SetupPage } from "../setup/SetupPage";
import { SignInScreen } from "./SignInScreen";
import { useMe } from "./useMe";

export function HomePage() {
  const status = useQuery({ queryKey: ["setup", "status"], queryFn: api.setupStatus });
  const configured = status.data?.configured === true;
  const me = useMe();
  // Until the App is configured, and when the status cannot be read, the setup page says why.
  if (status.isPending) return <Loading>Loading…</Loading>;
  if (!configured) return <SetupPage />;
  if (me.isPending) return <Loading>Checking who you are…</Loading>;
  if (me.isError) return <ErrorNote title="Could not check who you are">{me.error.message}</ErrorNote>;
  if (me.data === null) return <SignInScreen />;
  return <Navigate to="/tasks" replace />;
}
