import { NotBuiltYet } from "../../components/NotBuiltYet";

export function OverviewPage() {
  return (
    <NotBuiltYet
      title="Overview"
      what="This page will chart tasks by outcome, merge rate, time to pull request and cost."
    />
  );
}
