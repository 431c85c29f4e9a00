"""What a task run stands on: queues, the run lifecycle, workers, the reconciler, failure
verdicts, checkpoints and the per-process job context."""
