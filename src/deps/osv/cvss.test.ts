import { describe, expect, it } from "vitest";
import { cvss3BaseScore, cvssRating } from "./cvss.js";

describe("CVSS v3 base score", () => {
  // Reference scores from the FIRST CVSS v3.1 calculator / NVD for these vectors.
  it.each([
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8],
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5],
    ["CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:N/I:H/A:H", 8.1],
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1],
    ["CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N", 8.1],
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H", 9.6],
    ["CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 6.2],
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10],
    ["CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N", 0],
    ["CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8],
  ])("%s → %d", (vector, score) => {
    expect(cvss3BaseScore(vector)?.score).toBe(score);
  });

  it("rejects what is not a v3 vector", () => {
    for (const bad of ["CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "CVSS:3.1/AV:N", "AV:N/AC:L/Au:N/C:P/I:P/A:P", "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"]) {
      expect(cvss3BaseScore(bad), bad).toBeUndefined();
    }
  });

  it("rates scores", () => {
    expect([9.8, 7.5, 6.1, 3.1, 0].map(cvssRating)).toEqual(["critical", "high", "medium", "low", "info"]);
  });
});
