// Layout route of the pages that need a session: the page, or the sign-in screen on 401.
import { Outlet } from "react-router";
import { ErrorNote } from "../../components/ErrorNote";
import { Loading } from "../../components/StatusNote";
import { InstallNotice } from "./InstallNotice";
import { SignInScreen } from "./SignInScreen";
import { useMe } from "./useMe";

export function RequireSignIn() {
  const me = useMe();
  if (me.isPending) return <Loading>Checking who you are…</Loading>;
  if (me.isError) {
    return <ErrorNote title="Could not check who you are">{me.error.message}</ErrorNote>;
  }
  if (me.data === null) return <SignInScreen />;
  return (
    <>
      <InstallNotice installations={me.data.installations} />
      <Outlet />
    </>
  );
}
