/**
 * The answer the render benchmark streams: one long Markdown document (headings, paragraphs
 * with links and inline code, nested lists, a table, fenced code blocks, a quote) cut into
 * LLM-sized tokens. Every line carries numbered sentinel words ("w0001", ...) so a page can
 * prove it shows the whole answer, in order, whatever its Markdown renderer does to the syntax.
 * @module
 */

const TOPICS = ["NAV", "cash", "FX", "pricing", "accruals", "fees", "breaks", "sign-off"];

/** Builds the answer; `prefix` names the sentinels ("w" for the answer, "h" for history). */
export function buildAnswer(sections = 8, prefix = "w") {
  let n = 0;
  const s = () => `${prefix}${String(n++).padStart(4, "0")}`;
  const out = [`# Daily NAV sign-off ${s()}`, ""];
  for (let p = 0; p < 3; p++)
    out.push(
      `Here is the state of today's checks ${s()}, section by section, with what is left ${s()} before the sign-off. ` +
        `Each section lists the inputs ${s()}, the funds involved and the query ${s()} that finds the exceptions, so you can re-run it ${s()}.`,
      "",
    );
  for (let i = 0; i < sections; i++) {
    const topic = TOPICS[i % TOPICS.length];
    out.push(`## ${i + 1}. ${topic} review ${s()}`, "");
    out.push(
      `The ${topic} check ${s()} compares today's figures with the [vendor feed](https://example.com/feed/${i}) ${s()} and flags any move larger than \`0.5%\` ${s()}. ` +
        `Most share classes ${s()} reconcile on the first pass; the rest need a look at **stale prices** ${s()} or _late trades_ ${s()} before the cut-off.`,
      "",
    );
    out.push(
      `- Confirm the ${topic} inputs ${s()} for every fund ${s()}`,
      `- Compare against yesterday ${s()} and the 30-day range ${s()}`,
      `  - escalate moves above two sigma ${s()}`,
      `  - note the reason in the log ${s()}`,
      `- Sign the checklist ${s()} in [OpsHub](https://example.com/opshub) ${s()}`,
      "",
    );
    out.push("| Fund | Ticker | NAV | 1D | Note |", "| --- | --- | ---: | ---: | --- |");
    for (const [fund, tick] of [
      ["Alpha Growth", "ALPH"],
      ["Beta Income", "BETA"],
      ["Gamma Value", "GAMV"],
      ["Delta Global", "DLTG"],
    ])
      out.push(`| ${fund} | ${tick} | ${(100 + i * 3.17).toFixed(2)} | +0.${i}% | ok ${s()} |`);
    out.push("");
    out.push("```sql", `-- ${topic} exceptions ${s()}`, "SELECT fund, share_class, nav, nav_change");
    out.push(
      `FROM daily_nav -- ${s()}`,
      `WHERE abs(nav_change) > 0.005 -- ${s()}`,
      "ORDER BY fund;",
      "```",
      "",
    );
    out.push(
      `1. Open the exceptions report ${s()}`,
      `2. Assign each break ${s()} to an owner ${s()}`,
      `3. Re-run the check ${s()} after the fixes ${s()}`,
      "",
    );
    out.push(`> A ${topic} break ${s()} that is still open at 17:00 blocks the sign-off ${s()}.`, "");
  }
  out.push(`That is the whole report. END${prefix}${String(n++).padStart(4, "0")}`);
  const text = out.join("\n");
  return { text, sentinels: text.match(new RegExp(`\\b(END)?${prefix}\\d{4}\\b`, "g")) ?? [] };
}

/** Cuts text into tokens of about four characters (a word piece and the space before it). */
export function tokenize(text) {
  return text.match(/\s*\S{1,4}|\s+$/g) ?? [];
}
