/**
 * Which React the suite runs on: 19 in the "unit" project, 18 in "react18" (vitest.config.ts
 * sets EXPECT_REACT there), so a broken alias cannot pass the React 18 run on React 19.
 */
import { version as reactVersion } from "react";
import { version as domVersion } from "react-dom";
import { expect, it } from "vitest";

it("runs on the React major the project asks for, with a matching react-dom", () => {
  const major = process.env.EXPECT_REACT ?? "19";
  expect(reactVersion.split(".")[0]).toBe(major);
  expect(domVersion).toBe(reactVersion);
});
