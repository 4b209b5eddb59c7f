import net from "node:net";
import { MoonSocket } from "./dist/index.js";

const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const client = net.createConnection({
  port: server.address().port,
  host: "127.0.0.1",
  allowHalfOpen: true,
});
const raw = await new Promise((r) => server.once("connection", r));
const moon = new MoonSocket(raw);
client.pause();
const size = +process.argv[2];
moon.write(Buffer.alloc(size));
raw.on("finish", () => console.log("server finish, writableLength", raw.writableLength));
raw.on("close", (e) => console.log("server close", e));
const t0 = Date.now();
try {
  await moon.close(0.2);
  console.log("closed ok");
} catch (e) {
  console.log("close rejected", e.code, Date.now() - t0);
}
let got = 0;
client.on("data", (c) => (got += c.length));
client.on("error", (e) => {
  console.log("client error", e.code, got);
});
client.on("end", () => {
  console.log("client end", got);
});
client.on("close", () => {
  server.close();
});
client.resume();
