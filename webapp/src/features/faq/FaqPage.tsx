import { NotBuiltYet } from "../../components/NotBuiltYet";

export function FaqPage() {
  return (
    <NotBuiltYet
      title="FAQ"
      what="This page will search the FAQ library and show each entry's citations."
    />
  );
}
