// A "Repository" filter: all repositories, or one of those the person reaches.
import { useId } from "react";
import { field } from "../../components/styles";
import { useRepositories } from "./useRepositories";

export function RepositorySelect({
  value,
  onChange,
}: {
  value: string;
  onChange: (repository: string) => void;
}) {
  const id = useId();
  const repositories = useRepositories();
  const names = (repositories.data?.repositories ?? []).map((r) => r.full_name).sort();
  // A repository named in the URL stays selectable even before (or without) the list.
  if (value && !names.includes(value)) names.unshift(value);
  return (
    <div>
      <label htmlFor={id} className="text-sm font-medium">
        Repository
      </label>
      <select id={id} className={field} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">All repositories</option>
        {names.map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
    </div>
  );
}
