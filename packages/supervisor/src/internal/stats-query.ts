// A worker asks its supervisor for a pool's statistics (what `pool.stats()`
// gives in the supervisor): a "stats?" message with a number, answered by a
// "stats" message with the same number. For an application's status page,
// which runs in a worker. The numbers come from the process's state, so two
// copies of the package (import and require) never ask under the same one.

import { SupervisorError } from "../errors";
import type { PoolStats } from "../pool";
import { processState } from "./process-state";
import type { FromWorker, ToWorker } from "./protocol";

/** Milliseconds to wait for the answer: the supervisor answers at once unless it is stuck. */
const ANSWER_MS = 5000;

interface Question {
  resolve: (stats: PoolStats) => void;
  reject: (error: unknown) => void;
  timer: ReturnType<typeof setTimeout>;
}

const questions = new Map<number, Question>();

function unavailable(why: string): SupervisorError {
  return new SupervisorError("NO_SUPERVISOR", `stats(): ${why}`);
}

/** The question `id`, no longer waiting (undefined if it was not this copy's, or is answered). */
function take(id: number): Question | undefined {
  const question = questions.get(id);
  if (question === undefined) return undefined;
  questions.delete(id);
  clearTimeout(question.timer);
  if (questions.size === 0) process.off("message", onAnswer);
  return question;
}

const onAnswer = (message: ToWorker): void => {
  if (message?.t !== "stats") return;
  const question = take(message.id);
  if (message.stats === null) question?.reject(unavailable(`pool ${message.pool} is not running`));
  else question?.resolve(message.stats);
};

/** Pool `pool`'s statistics, from the supervisor; rejects with NO_SUPERVISOR when it cannot answer. */
export function askStats(pool: number): Promise<PoolStats> {
  if (process.send === undefined || !process.connected)
    return Promise.reject(unavailable("this worker has lost its supervisor"));
  const id = ++processState().questions;
  return new Promise<PoolStats>((resolve, reject) => {
    const timer = setTimeout(
      () => take(id)?.reject(unavailable(`no answer from the supervisor within ${ANSWER_MS} ms`)),
      ANSWER_MS,
    );
    if (questions.size === 0) process.on("message", onAnswer);
    questions.set(id, { resolve, reject, timer });
    const question: FromWorker = { t: "stats?", id, pool };
    process.send?.(question, undefined, {}, (error: Error | null) => {
      if (error !== null)
        take(id)?.reject(unavailable(`the question was not sent (${error.message})`));
    });
  });
}
