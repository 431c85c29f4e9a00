// A unified diff: monospace, added lines green, removed lines red, hunks blue; scrolls both ways.
const lineClass = (line: string): string => {
  if (line.startsWith("+++") || line.startsWith("---") || line.startsWith("diff ") || line.startsWith("index ")) {
    return "font-semibold text-slate-700 dark:text-slate-300";
  }
  if (line.startsWith("+")) return "bg-emerald-50 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100";
  if (line.startsWith("-")) return "bg-red-50 text-red-900 dark:bg-red-950 dark:text-red-100";
  if (line.startsWith("@@")) return "text-blue-800 dark:text-blue-300";
  return "";
};

export function DiffView({ diff }: { diff: string }) {
  const lines = diff.replace(/\n$/, "").split("\n");
  return (
    <div
      role="region"
      aria-label="Diff"
      tabIndex={0}
      className="mt-3 max-h-[32rem] overflow-auto rounded-md border border-slate-200 bg-slate-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600 dark:border-slate-800 dark:bg-slate-900 dark:focus-visible:outline-blue-400"
    >
      <pre className="min-w-max p-3 font-mono text-xs leading-5">
        {lines.map((line, index) => (
          <span key={index} className={`block px-1 ${lineClass(line)}`}>
            {line || " "}
          </span>
        ))}
      </pre>
    </div>
  );
}
