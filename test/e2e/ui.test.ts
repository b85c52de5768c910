/**
 * `formed ui` end to end: real executions made by the real bin, the real `formed ui` server, and
 * a real headless Chromium reading its pages. Screenshots of each page go to test-artifacts/.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExecutionRecords } from "../../src/workflow/execution-records.js";
import { CHROMIUM, launchBrowser, screenshot, type TestBrowser } from "./browser.js";
import { FORMED_BIN, ref, USER_NODE } from "./harness.js";
import { rawGet, sharedProject, startUi } from "./ui-support.js";

type Project = ReturnType<typeof sharedProject>;

const STEPS = `
import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { step, useStepLogger } from "formed";

export const add = step(({ a, b }: { a: number; b: number }) => a + b);
export const double = step(({ x }: { x: number }) => x * 2);
export const numbers = step(function* ({ n }: { n: number }) {
  for (let i = 1; i <= n; i++) yield { i, text: "item " + i };
});
export const bytes = step(() => new Uint8Array([1, 2, 3]));
export const talk = step(({ text }: { text: string }) => {
  useStepLogger().info("said: " + text);
  return text.length;
});
/** Logs, waits until the file "go" exists, logs again. */
export const waiter = step(async ({ x }: { x: number }) => {
  useStepLogger().info("waiting for go");
  while (!existsSync("go")) await sleep(20);
  useStepLogger().info("go seen");
  return x;
});
export const fail = step(({ message }: { message: string }): number => {
  throw new Error(message);
});
export const link = step(({ a, b }: { a: number; b: number }) => (a + b) % 1000);
`;

const run = (p: Project, file: string, id: string) =>
  p.formed(["workflow", "run", file, "--execution-id", id]);

function config(p: Project, file: string, steps: Record<string, unknown>): string {
  p.write(file, JSON.stringify({ steps }));
  return file;
}

const canRun = existsSync(CHROMIUM);

describe.skipIf(!canRun)("formed ui in a real browser", () => {
  let p: Project;
  let browser: TestBrowser;
  let ui: Awaited<ReturnType<typeof startUi>>;

  beforeAll(async () => {
    p = sharedProject({ "steps.ts": STEPS, "formed.yml": "required_modules: [./steps.ts]\n" });
    const base = {
      a: { type: "add", a: 1, b: 2 },
      d: { type: "double", x: ref("a") },
      items: { type: "numbers", n: 80 },
      raw: { type: "bytes" },
      said: { type: "talk", text: "hello" },
    };
    const failed = await run(
      p,
      config(p, "bad.json", {
        a: base.a,
        broken: { type: "fail", message: "no luck" },
        after: { type: "double", x: ref("broken") },
      }),
      "20260101-000000-bad",
    );
    expect(failed.code, failed.stderr).toBe(1);
    for (const [file, id, steps] of [
      ["one.json", "20260101-000001-one", base],
      ["two.json", "20260101-000002-two", { ...base, a: { type: "add", a: 1, b: 5 } }],
    ] as const) {
      const result = await run(p, config(p, file, steps), id);
      expect(result.code, result.stderr).toBe(0);
    }
    ui = await startUi(p.dir);
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await ui?.stop();
    p?.remove();
  });

  async function open(path: string): Promise<Page> {
    const page = await browser.page();
    await page.goto(`${ui.url}${path}`);
    return page;
  }

  it("lists the executions, newest first, filtered by status", async () => {
    const page = await open("#/");
    const rows = page.locator("#executions tbody tr");
    await expect.poll(() => rows.count()).toBe(3);
    expect(await rows.nth(0).getAttribute("data-id")).toBe("20260101-000002-two");
    expect(await rows.nth(2).getAttribute("data-id")).toBe("20260101-000000-bad");
    expect(await rows.nth(0).locator("td.ran").textContent()).toBe("2");
    expect(await rows.nth(0).locator("td.reused").textContent()).toBe("3");
    await screenshot(page, "1-executions");
    await page.selectOption("#status-filter", "failure");
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.nth(0).locator("td.failed").textContent()).toBe("1");
    await page.selectOption("#status-filter", "completed");
    await expect.poll(() => rows.count()).toBe(2);
    await page.close();
  });

  it("draws an execution's DAG with each node in its recorded state", async () => {
    const page = await open("#/e/20260101-000002-two");
    await page.waitForSelector("#dag .node");
    const execution = await (await ExecutionRecords.open({ cwd: p.dir })).get("20260101-000002-two");
    for (const [name, state] of Object.entries(execution.steps)) {
      const node = page.locator(`#dag .node[data-step="${name}"]`);
      expect(await node.getAttribute("data-status"), name).toBe(state.status);
    }
    expect(execution.steps.a?.status).toBe("completed");
    expect(execution.steps.items?.status).toBe("cached");
    await screenshot(page, "2-execution");
    await page.goto(`${ui.url}#/e/20260101-000000-bad`);
    await expect
      .poll(() => page.locator('#dag .node[data-step="broken"]').getAttribute("data-status"))
      .toBe("failure");
    const bad = await (await ExecutionRecords.open({ cwd: p.dir })).get("20260101-000000-bad");
    for (const name of ["a", "broken", "after"]) {
      const status = bad.steps[name]?.status ?? "absent";
      expect(await page.locator(`#dag .node[data-step="${name}"]`).getAttribute("data-status"), name).toBe(
        status,
      );
    }
    await screenshot(page, "2b-failed-execution");
    await page.locator('#dag .node[data-step="broken"]').click();
    await expect.poll(() => page.locator("#reason").textContent()).toContain("no luck");
    await page.goto(`${ui.url}#/e/20260101-000002-two`);
    await page.locator('#dag .node[data-step="said"]').click();
    await page.waitForSelector("#reason li");
    expect(page.url()).toContain("/s/said");
    await page.close();
  });

  it("shows a step's config, key, why it ran, its log and its result", async () => {
    const page = await open("#/e/20260101-000002-two/s/a");
    await page.waitForSelector('#result[data-kind="value"]');
    expect(await page.locator("#config").textContent()).toContain('"b": 5');
    const fingerprint = (await page.locator("#fingerprint").textContent()) ?? "";
    expect(fingerprint).toMatch(/^[0-9a-f]{16,}$/);
    expect(await page.locator("#reason").textContent()).toContain("20260101-000001-one");
    expect(await page.locator("#reason").textContent()).toMatch(/b.*2.*5/);
    expect(await page.locator("#result pre").textContent()).toBe("6");
    await screenshot(page, "3-step");

    await page.goto(`${ui.url}#/e/20260101-000001-one/s/said`);
    await expect.poll(() => page.locator("#log").textContent()).toContain("said: hello");

    await page.goto(`${ui.url}#/e/20260101-000002-two/s/items`);
    await page.waitForSelector('#result[data-kind="items"]');
    expect(await page.locator("#result").textContent()).toContain("the first 50 items");
    expect(await page.locator("#reason").textContent()).toContain("reused");
    await screenshot(page, "4-step-items");

    await page.goto(`${ui.url}#/e/20260101-000002-two/s/raw`);
    await page.waitForSelector('#result[data-kind="binary"]');
    expect(await page.locator("#result").textContent()).toMatch(/Binary result, format \w+, \d+ bytes/);
    await page.close();
  });

  it("shows two executions side by side", async () => {
    const page = await open("#/");
    await page.locator("#executions tbody tr input").nth(0).check();
    await page.locator("#executions tbody tr input").nth(1).check();
    await page.click("#compare");
    await page.waitForSelector("#diff-steps");
    expect(page.url()).toContain("#/diff/20260101-000001-one/20260101-000002-two");
    expect(await page.locator('#diff-steps tr[data-step="a"]').getAttribute("data-result")).toBe(
      "different-result",
    );
    expect(await page.locator('#diff-steps tr[data-step="items"]').getAttribute("data-result")).toBe(
      "same-result",
    );
    expect(await page.locator('#diff-steps tr[data-step="a"]').textContent()).toMatch(/b/);
    await screenshot(page, "5-diff");
    await page.close();
  });

  it("follows a running workflow without a reload", async () => {
    const file = config(p, "live.json", {
      first: { type: "add", a: 2, b: 2 },
      wait: { type: "waiter", x: ref("first") },
      after: { type: "double", x: ref("wait") },
    });
    const child: ChildProcess = spawn(
      USER_NODE,
      [FORMED_BIN, "workflow", "run", file, "--execution-id", "20260101-000003-live"],
      {
        cwd: p.dir,
        env: { ...process.env, NO_COLOR: "1", FORMED_CACHE_DIR: join(p.dir, ".formed-cache") },
        stdio: "ignore",
      },
    );
    const exited = new Promise((resolve) => child.on("exit", resolve));
    try {
      await expect
        .poll(async () => (await rawGet(ui.port, "/api/executions/20260101-000003-live")).body, {
          timeout: 30_000,
        })
        .toContain('"wait":{"status":"running"');
      const dag = await open("#/e/20260101-000003-live");
      const log = await open("#/e/20260101-000003-live/s/wait");
      await dag.evaluate(() => Object.assign(globalThis, { notReloaded: true }));
      await log.evaluate(() => Object.assign(globalThis, { notReloaded: true }));
      const node = (name: string) => dag.locator(`#dag .node[data-step="${name}"]`);
      await expect.poll(() => node("wait").getAttribute("data-status")).toBe("running");
      expect(await node("after").getAttribute("data-status")).toBe("pending");
      await expect.poll(() => log.locator("#log").textContent()).toContain("waiting for go");
      await screenshot(dag, "6-running");
      p.write("go", "");
      await expect
        .poll(() => node("wait").getAttribute("data-status"), { timeout: 20_000 })
        .toBe("completed");
      await expect
        .poll(() => node("after").getAttribute("data-status"), { timeout: 20_000 })
        .toBe("completed");
      await expect.poll(() => log.locator("#log").textContent(), { timeout: 20_000 }).toContain("go seen");
      // Once the step ends, its page shows its final state and result, still without a reload.
      await expect.poll(() => log.locator("#step-status").textContent(), { timeout: 20_000 }).toBe("ran");
      await expect.poll(() => log.locator("#result pre").textContent(), { timeout: 20_000 }).toBe("4");
      expect(await dag.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
        true,
      );
      expect(await log.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
        true,
      );
      await expect.poll(() => dag.locator("#execution-status").textContent()).toBe("completed");
      await screenshot(dag, "7-finished");
      await screenshot(log, "8-step-log");
      await dag.close();
      await log.close();
    } finally {
      p.write("go", "");
      await exited;
    }
  }, 90_000);

  it("keeps every path from a URL inside the records, and writes nothing", async () => {
    p.write("secret.txt", "TOP SECRET");
    const id = "20260101-000002-two";
    const attempts = [
      "/../../../../etc/passwd",
      "/..%2F..%2F..%2Fetc%2Fpasswd",
      "/api/executions/..%2F..%2Fsecret.txt",
      "/api/executions/..",
      "/api/executions/%2Fetc%2Fpasswd",
      "/api/executions/%2e%2e",
      `/api/executions/${id}/steps/..%2F..%2F..%2F..%2Fsecret.txt/log`,
      `/api/executions/${id}/steps/%2Fetc%2Fpasswd/log`,
      `/api/executions/${id}/steps/..%2Fsteps.json/result`,
      `/api/executions/${id}/../../../secret.txt`,
      "/style.css/../../secret.txt",
      "/app.js%2F..%2F..%2Fpackage.json",
      "/%2Fetc%2Fpasswd",
      "/api/diff/..%2F..%2Fsecret.txt/20260101-000001-one",
      "/api/executions/%E0%A4%A",
    ];
    for (const path of attempts) {
      const response = await rawGet(ui.port, path);
      expect([400, 404], path).toContain(response.status);
      expect(response.body, path).not.toMatch(/TOP SECRET|root:x:0|"name": ?"formed"/);
    }
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      expect((await rawGet(ui.port, `/api/executions/${id}`, method)).status).toBe(405);
    }
    expect((await rawGet(ui.port, `/api/executions/${id}`)).status).toBe(200);
    expect(
      (await rawGet(ui.port, `/api/executions/${id}`, "GET", { host: `localhost:${ui.port}` })).status,
    ).toBe(200);
    // DNS rebinding: a page of another name that resolves to 127.0.0.1 reads nothing.
    const rebound = await rawGet(ui.port, `/api/executions/${id}`, "GET", {
      host: `evil.example:${ui.port}`,
    });
    expect(rebound.status).toBe(403);
    expect(p.exists(`.formed/executions/${id}/graph.json`)).toBe(true);
  });

  it("draws a 2,000-step execution (prints the time)", async () => {
    // 40 layers of 50 steps, each reading two steps of the layer before.
    const steps: Record<string, unknown> = {};
    for (let layer = 0; layer < 40; layer++) {
      for (let k = 0; k < 50; k++) {
        steps[`l${layer}-s${k}`] =
          layer === 0
            ? { type: "add", a: k, b: 1 }
            : { type: "link", a: ref(`l${layer - 1}-s${k}`), b: ref(`l${layer - 1}-s${(k * 7 + 3) % 50}`) };
      }
    }
    const result = await p.formed(
      ["workflow", "run", config(p, "big.json", steps), "--execution-id", "20260101-000004-big"],
      {
        timeoutMs: 240_000,
      },
    );
    expect(result.code, result.stderr).toBe(0);
    const page = await open("#/e/20260101-000004-big");
    await page.waitForFunction(() => "formedRender" in globalThis, undefined, { timeout: 60_000 });
    const render = await page.evaluate(
      () => (globalThis as unknown as { formedRender: Record<string, number> }).formedRender,
    );
    expect(await page.locator("#dag .node").count()).toBe(2000);
    console.log(
      `2,000-step DAG: layout and DOM ${Math.round(render.layoutMs ?? 0)} ms, to first paint ${Math.round(render.ms ?? 0)} ms`,
    );
    await screenshot(page, "9-big");
    await page.close();
  }, 300_000);
});
