/**
 * A transcript that is already long when the benchmark's question is asked: `count` messages,
 * questions and full Markdown answers taking turns, in AG-UI's message shape.
 * @module
 */
import { buildAnswer } from "./answer.mjs";

/** `count` messages (half questions, half answers); their sentinels start with "h". */
export function buildHistory(count) {
  const answer = buildAnswer(1, "h").text;
  const messages = [];
  for (let i = 0; i < count; i++) {
    messages.push(
      i % 2 === 0
        ? { id: `h-${i}`, role: "user", content: `Earlier question ${i / 2 + 1}: how did the checks go?` }
        : { id: `h-${i}`, role: "assistant", content: answer },
    );
  }
  return messages;
}
