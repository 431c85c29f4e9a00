// GitHub's manifest flow wants a real form POST (a top-level navigation to github.com), not a
// fetch: build a form with one hidden field `manifest` holding the JSON, and submit it.
import type { ManifestAnswer } from "../../api/client";

export function buildManifestForm(answer: ManifestAnswer, doc: Document = document): HTMLFormElement {
  const form = doc.createElement("form");
  form.method = "post";
  form.action = answer.post_url;
  form.hidden = true;
  const field = doc.createElement("input");
  field.type = "hidden";
  field.name = "manifest";
  field.value = JSON.stringify(answer.manifest);
  form.appendChild(field);
  return form;
}

export function postManifest(answer: ManifestAnswer): void {
  const form = buildManifestForm(answer);
  document.body.appendChild(form);
  form.submit();
}
