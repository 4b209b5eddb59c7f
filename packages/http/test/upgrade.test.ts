// A request that asks to switch protocols is answered and the connection
// closed: this module speaks no other protocol, so nothing after it is parsed
// as HTTP and it is never parked. Regression: with its body in a later read,
// the worker spun at 100% CPU forever (the upgrade was noted through a head
// already taken, so the parser consumed nothing and the loop went round).
import { describe, expect, it } from "vitest";
import { runChild } from "./helpers/run-child";

describe("a request that asks to switch protocols", () => {
  it("with its body in a later read: answered with Connection: close, the connection closed, the handler done", async () => {
    const out = await runChild("upgrade.mjs", []);
    expect(out.signal).toBeNull(); // a spinning loop gets the child killed after 20 s
    const { upgrade, after, results } = JSON.parse(out.stdout);
    expect(upgrade.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(upgrade.text).toMatch(/\r\nConnection: close\r\n/);
    expect(upgrade.text.endsWith("\r\n\r\nping")).toBe(true);
    expect(upgrade.how).toBe("end");
    expect(after.text).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*after$/);
    expect(results).toEqual([true, true]);
  });
});
