// The header's right side when signed in: avatar, login and "Sign out" (POST /api/logout).
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, type Me } from "../../api/client";
import { secondaryButton } from "../../components/styles";
import { forgetSession } from "./useMe";

export function UserMenu({ me }: { me: Me }) {
  const client = useQueryClient();
  const [avatarShown, setAvatarShown] = useState(true);
  const logout = useMutation({
    mutationFn: () => api.logout(me.csrf_token),
    onSuccess: () => forgetSession(client),
  });
  return (
    <div className="flex items-center gap-3 sm:ml-auto">
      {me.user.avatar_url && avatarShown && (
        <img
          src={me.user.avatar_url}
          alt=""
          width={28}
          height={28}
          className="size-7 rounded-full"
          onError={() => setAvatarShown(false)} // no broken-image icon when it cannot load
        />
      )}
      <span className="text-sm font-medium" aria-label={`Signed in as ${me.user.login}`}>
        {me.user.login}
      </span>
      <button
        type="button"
        className={`${secondaryButton} min-h-9 px-3 py-1 text-sm`}
        disabled={logout.isPending}
        onClick={() => logout.mutate()}
      >
        Sign out
      </button>
      {logout.isError && (
        <p role="alert" className="text-sm text-red-800 dark:text-red-200">
          Not signed out: {logout.error.message}
        </p>
      )}
    </div>
  );
}
