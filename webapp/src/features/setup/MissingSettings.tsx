// What the server says it still lacks (GET /api/setup/status `missing`).
export function MissingSettings({ names }: { names: string[] }) {
  if (names.length === 0) return null;
  return (
    <div className="mt-4 text-slate-700 dark:text-slate-200">
      <p>Not connected to GitHub yet. Missing settings:</p>
      <ul className="mt-1 list-inside list-disc">
        {names.map((name) => (
          <li key={name}>
            <code className="text-sm">{name}</code>
          </li>
        ))}
      </ul>
    </div>
  );
}
