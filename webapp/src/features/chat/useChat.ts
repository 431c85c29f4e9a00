import { useQuery } from "@tanstack/react-query";
import { api } from "../../api/client";

export const CHAT_KEY = ["chat"] as const;

export function useChatWorkspaces() {
  return useQuery({ queryKey: [...CHAT_KEY, "workspaces"], queryFn: api.chatWorkspaces });
}

export function useChatSubscriptions(workspaceId: number) {
  return useQuery({
    queryKey: [...CHAT_KEY, "subscriptions", workspaceId],
    queryFn: () => api.chatSubscriptions(workspaceId),
  });
}
