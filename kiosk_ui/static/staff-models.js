/* The training job's page: polls the job's progress (JSON, texts from the server) every second while it runs. */
(() => {
  "use strict";
  const job = document.querySelector("[data-model-job]");
  if (!job || job.dataset.running !== "true") return;
  const bar = job.querySelector("[data-job-progress]");
  const stage = job.querySelector("[data-job-stage]");
  const elapsed = job.querySelector("[data-job-elapsed]");
  const state = job.querySelector("[data-job-state]");
  const log = job.querySelector("[data-job-log]");
  const clock = (seconds) => `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;

  const poll = async () => {
    let data;
    try {
      const response = await fetch(job.dataset.progressUrl, { headers: { Accept: "application/json" }, cache: "no-store" });
      if (!response.ok) throw new Error(String(response.status));
      data = await response.json();
    } catch {
      window.setTimeout(poll, 3000);
      return;
    }
    bar.value = data.progress;
    bar.textContent = `${data.progress} %`;
    if (stage.textContent !== data.stage_label) stage.textContent = data.stage_label;
    if (elapsed && data.elapsed_seconds !== null) {
      elapsed.textContent = clock(data.elapsed_seconds);
      elapsed.closest("[hidden]")?.removeAttribute("hidden"); // a job that was queued when the page came
    }
    if (state) state.textContent = data.state_label;
    if (log) log.textContent = data.log_tail;
    if (data.running) {
      window.setTimeout(poll, 1000);
    } else {
      window.location.reload(); // the evaluation and the activate form come with the page
    }
  };
  window.setTimeout(poll, 1000);
})();
