import { useQuery } from "@tanstack/react-query";
import { api } from "../../api/client";

export function useRepositories() {
  return useQuery({ queryKey: ["repositories"], queryFn: api.repositories, staleTime: 60_000 });
}
