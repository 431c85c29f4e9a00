import { NotBuiltYet } from "../../components/NotBuiltYet";

export function RepositoriesPage() {
  return (
    <NotBuiltYet
      title="Repositories"
      what="This page will show each repository's .github/morningai.yml and this month's spend."
    />
  );
}
