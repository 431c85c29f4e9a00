// The task's calls to the model: when, which model, what for, tokens and cost.
import type { ModelCall } from "../../api/client";
import { Time } from "../../components/Time";
import { focusRing, muted } from "../../components/styles";
import { count, money } from "../../lib/format";

export function ModelCalls({ calls }: { calls: ModelCall[] }) {
  if (calls.length === 0) return <p className={`mt-3 ${muted}`}>This task made no model calls.</p>;
  return (
    <div className={`mt-3 overflow-x-auto ${focusRing}`} role="region" aria-label="Model calls table" tabIndex={0}>
      <table className="w-full text-sm">
        <thead>
          <tr className="border-b border-slate-300 text-left dark:border-slate-700">
            <th scope="col" className="px-2 py-2 font-medium">When</th>
            <th scope="col" className="px-2 py-2 font-medium">Model</th>
            <th scope="col" className="px-2 py-2 font-medium">Purpose</th>
            <th scope="col" className="px-2 py-2 text-right font-medium">Prompt tokens</th>
            <th scope="col" className="px-2 py-2 text-right font-medium">Completion tokens</th>
            <th scope="col" className="px-2 py-2 text-right font-medium">Cost</th>
          </tr>
        </thead>
        <tbody>
          {calls.map((call, index) => (
            <tr key={index} className="border-b border-slate-200 dark:border-slate-800">
              <td className="px-2 py-2 whitespace-nowrap"><Time at={call.at} /></td>
              <td className="px-2 py-2">{call.model ?? "—"}</td>
              <td className="px-2 py-2">{call.purpose ?? "—"}</td>
              <td className="px-2 py-2 text-right tabular-nums">{count(call.prompt_tokens)}</td>
              <td className="px-2 py-2 text-right tabular-nums">{count(call.completion_tokens)}</td>
              <td className="px-2 py-2 text-right tabular-nums">{money(call.cost_usd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
