import { NotBuiltYet } from "../../components/NotBuiltYet";

export function TasksPage() {
  return (
    <NotBuiltYet
      title="Tasks"
      what="This page will list MorningAI's tasks with their live timelines, once sign-in and the tasks API exist."
    />
  );
}
