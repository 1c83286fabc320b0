#!/usr/bin/env node
// SPDX-License-Identifier: MIT
//
// heapwatch test device: a simulated MicroPython board on stdin/stdout.
//
// The Python side is the real MicroPython 1.27.0 VM (webassembly port, pyscript
// variant, from npm), driven through its event-driven REPL one byte at a time,
// so raw-REPL framing and mem_info(1) output are MicroPython's own. This file
// only adds what a physical board has around the VM: a UART (raw bytes, CRLF,
// optional baud pacing), a "program" that mutates the heap between samples,
// boot logs, a busy main.py, soft reboot, unplugging, line noise and cut
// responses. See README.md for the options and the protocol.
//
// Only the device's bytes go to stdout. Diagnostics go to stderr with --verbose.
// Plain ESM, no APIs newer than Node 18 (Debian bookworm's nodejs).

import { readFileSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnSync } from "node:child_process";

const HERE = dirname(fileURLToPath(import.meta.url));

// ---------------------------------------------------------------- options

const USAGE = `usage: node device.mjs [options]
  --heap BYTES          VM heap size (default 65536; k/m suffix allowed)
  --workload NAME|PATH  idle (default), steady, fragmenting, leaking, bursty, or a .py file defining step()
  --tick MS             run step() every MS ms between samples (default 200)
  --gc-at PCT           collect when gc.mem_alloc() exceeds PCT % of the heap, between samples (default 75; 0 = never)
  --banner              print an ESP32 ROM log and the MicroPython banner at start
  --busy                main.py is running: prints "tick N" every 100 ms, only Ctrl-C stops it
  --stubborn MS         with --busy: main.py ignores Ctrl-C too (kbd_intr(-1)), keeps what it
                        is sent, and ends by itself after MS ms; the REPL then reads the rest
  --deaf                never answer anything
  --unplug-after N      exit (status 0) right after the N-th raw-REPL exec has been answered
  --unplug-mid N        exit (status 0) in the middle of the N-th exec's map: half a map line, then gone
  --cut-after N         cut the N-th exec's stdout in the middle of a map line (frame still completes)
  --drop N              lose each output byte with probability 1/N on the wire (default 0: none)
  --silent-after N      right after answering the N-th exec, say nothing and drop all input...
  --silent-for MS       ...for MS ms (default 60000), then answer again where it was
  --chatter             a program prints between each command and its answer: a line and
                        the start of another, ahead of the "OK" (in the same write)
  --garbage N           inject bursts of N bytes of line noise at random moments between samples
  --garbage-every MS    mean time between noise bursts (default 1000)
  --baud N              pace output at N baud, 10 bits per byte (default: unthrottled)
  --print-every MS      the program prints micropython.mem_info(1) every MS ms
  --seed N              seed for every random choice (device and workload)
  --no-crlf             keep the VM's bare "\\n" from print() instead of converting to "\\r\\n"
  --verbose             diagnostics on stderr
`;

function die(msg) {
  process.stderr.write(`device.mjs: ${msg}\n${USAGE}`);
  process.exit(2);
}

const FLAGS = new Set(["banner", "busy", "deaf", "chatter", "verbose", "no-crlf", "help"]);
const NUMERIC = new Set(["heap", "tick", "gc-at", "stubborn", "unplug-after", "unplug-mid", "cut-after",
  "drop", "silent-after", "silent-for", "garbage", "garbage-every", "baud", "print-every", "seed"]);
const opts = {
  heap: 65536, workload: "idle", tick: 200, "gc-at": 75, banner: false, busy: false, stubborn: 0,
  deaf: false, chatter: false, "unplug-after": 0, "unplug-mid": 0, "cut-after": 0, drop: 0, "silent-after": 0,
  "silent-for": 60000, garbage: 0, "garbage-every": 1000,
  baud: 0, "print-every": 0, seed: null, "no-crlf": false, verbose: false, help: false,
};

function parseNumber(name, v) {
  const m = /^(\d+)([kKmM]?)$/.exec(String(v));
  if (!m) die(`--${name} needs a non-negative integer, got "${v}"`);
  let n = Number(m[1]);
  if (m[2]) {
    if (name !== "heap") die(`--${name} takes no suffix`);
    n *= /[kK]/.test(m[2]) ? 1024 : 1048576;
  }
  return n;
}

{
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) die(`unexpected argument "${a}"`);
    let name = a.slice(2);
    let value;
    const eq = name.indexOf("=");
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    if (!(name in opts)) die(`unknown option --${name}`);
    if (FLAGS.has(name)) {
      if (value !== undefined) die(`--${name} takes no value`);
      opts[name] = true;
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= argv.length) die(`--${name} needs a value`);
      value = argv[++i];
    }
    opts[name] = NUMERIC.has(name) ? parseNumber(name, value) : value;
  }
  if (opts.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  if (opts.heap < 8192) die("--heap must be at least 8192");
  if (opts.tick < 1) die("--tick must be at least 1");
  if (opts["gc-at"] > 100) die("--gc-at is a percentage (0-100)");
}

const T0 = Date.now();
function log(...args) {
  if (!opts.verbose) return;
  const t = ((Date.now() - T0) / 1000).toFixed(3);
  process.stderr.write(`[sim +${t}s] ${args.join(" ")}\n`);
}

// ---------------------------------------------------------------- randomness

// mulberry32: small, seedable, good enough for jitter and line noise.
let seed = opts.seed === null ? (Date.now() ^ (process.pid << 16)) >>> 0 : opts.seed >>> 0;
log(`seed ${seed}`);
let rngState = seed;
function rand() {
  rngState = (rngState + 0x6d2b79f5) >>> 0;
  let t = rngState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

// ---------------------------------------------------------------- the UART

// All device output goes through here, in order. With --baud the bytes leave
// at baud/10 bytes per second; everything queued later is sent later.
const uart = {
  bps: opts.baud > 0 ? opts.baud / 10 : 0,
  q: [],
  qlen: 0,
  credit: 0,
  last: 0,
  timer: null,
  dead: false,
  silent: false, // --silent-after: the transmitter sends nothing at all
  write(buf) {
    if (this.dead || this.silent || buf.length === 0) return;
    if (opts.drop > 0) buf = dropBytes(buf);
    if (buf.length === 0) return;
    if (!this.bps) {
      process.stdout.write(buf);
      return;
    }
    this.q.push(buf);
    this.qlen += buf.length;
    if (!this.timer) {
      this.credit = 1; // the transmitter is idle: the first byte goes now
      this.last = performance.now();
      this.pump();
    }
  },
  pump() {
    this.timer = null;
    const now = performance.now();
    this.credit += ((now - this.last) * this.bps) / 1000;
    this.last = now;
    let n = Math.min(Math.floor(this.credit), this.qlen);
    if (n > 0) {
      this.credit -= n;
      this.qlen -= n;
      const parts = [];
      while (n > 0) {
        const head = this.q[0];
        if (head.length <= n) {
          parts.push(head);
          this.q.shift();
          n -= head.length;
        } else {
          parts.push(head.subarray(0, n));
          this.q[0] = head.subarray(n);
          n = 0;
        }
      }
      process.stdout.write(parts.length === 1 ? parts[0] : Buffer.concat(parts));
    }
    if (this.qlen > 0) {
      const wait = Math.max(1, Math.ceil(((1 - this.credit) * 1000) / this.bps));
      this.timer = setTimeout(() => this.pump(), wait);
    } else {
      this.drainWaiters.splice(0).forEach((f) => f());
    }
  },
  drainWaiters: [],
  drain(cb) {
    if (this.qlen === 0) cb();
    else this.drainWaiters.push(cb);
  },
};

// --drop N: each byte is lost on the wire with probability 1/N, as on a
// noisy line or an overrun UART FIFO; the rest arrive in order.
let dropped = 0;
function dropBytes(buf) {
  const keep = [];
  for (const b of buf) {
    if (rand() * opts.drop < 1) dropped++;
    else keep.push(b);
  }
  if (keep.length < buf.length) log(`drop: ${buf.length - keep.length} byte(s) lost (${dropped} so far)`);
  return Buffer.from(keep);
}

const emit = (s) => uart.write(typeof s === "string" ? Buffer.from(s, "latin1") : Buffer.from(s));

// The host went away (EOF or EIO on stdin, EPIPE or EIO on stdout). On a tty
// (heapwatch exec: gives us a pty) a plain exit would abort: Node restores the
// saved termios at exit and asserts when tcsetattr fails on the hung-up pty
// (node::ResetStdio). So die of SIGHUP there, as a process on a hung-up
// terminal traditionally does; Node installs no exit hook for SIGHUP.
const onTty = Boolean(process.stdin.isTTY || process.stdout.isTTY);
function hangup(why) {
  log(`${why}: host gone, powering off`);
  if (onTty) {
    process.removeAllListeners("SIGHUP");
    process.kill(process.pid, "SIGHUP");
  }
  process.exit(0);
}
process.stdout.on("error", (e) => hangup(`stdout ${e.code || "error"}`));
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => process.exit(0));
if (!onTty) process.on("SIGHUP", () => process.exit(0));

function exitAfterDrain(status) {
  uart.drain(() => process.stdout.write("", () => process.exit(status)));
}

// On a tty (heapwatch exec: runs us on a pty, or a person in a terminal):
// raw input, and no output processing. libuv's raw mode turns ONLCR on, which
// would make our "\r\n" into "\r\r\n" wherever OPOST is still set.
function rawTty() {
  if (!process.stdin.isTTY) return;
  process.stdin.setRawMode(true);
  spawnSync("stty", ["-opost"], { stdio: [0, "ignore", "ignore"] });
}

// ---------------------------------------------------------------- deaf board

if (opts.deaf) {
  log("deaf: reading and ignoring input");
  process.stdin.on("data", () => {});
  process.stdin.on("end", () => hangup("stdin closed"));
  process.stdin.on("error", (e) => hangup(`stdin ${e.code || "error"}`));
  rawTty();
  process.stdin.resume();
} else {
  await main();
}

// ---------------------------------------------------------------- the board

async function main() {
  let loadMicroPython;
  try {
    ({ loadMicroPython } = await import("@micropython/micropython-webassembly-pyscript"));
  } catch (e) {
    process.stderr.write(`device.mjs: cannot load the MicroPython VM (${e.message}).\n` +
      `Run: npm ci --prefix ${HERE}\n`);
    process.exit(3);
  }

  // Workload source, read once (a replugged board runs the same main.py).
  let workloadPath = opts.workload;
  if (!workloadPath.includes("/") && !workloadPath.endsWith(".py")) {
    workloadPath = join(HERE, "workloads", `${workloadPath}.py`);
  }
  workloadPath = resolve(workloadPath);
  if (!existsSync(workloadPath)) die(`no workload "${opts.workload}" (${workloadPath})`);
  const workloadSource = readFileSync(workloadPath, "utf8");
  log(`workload ${workloadPath}, heap ${opts.heap}, tick ${opts.tick} ms`);

  // ---- VM state
  let vm = null;        // { mp, gc, micropython, step, total }
  let sink = [];        // VM output bytes not yet taken
  let vmPrev = 0;       // last VM output byte, for CRLF cooking across calls
  const graveyard = []; // old VMs' proxies are kept alive on purpose, see softReset()
  let mode = "friendly";  // REPL mode, tracked from the VM's own prompts
  let tail = "";          // last VM output characters
  let rawLen = 0;         // bytes in the raw-REPL buffer
  let rawHead = [0, 0];   // its first two bytes (raw-paste detection)
  let rawSince = 0;
  let execCount = 0;
  let busy = opts.busy;
  let unplugged = false;
  let silent = false; // --silent-after: deaf and dumb until silent-for has passed
  let workloadDead = false;

  const take = () => {
    const s = sink;
    sink = [];
    return s;
  };

  // Real ports send "\n" as "\r\n" (mp_hal_stdout_tx_strn_cooked); the
  // webassembly port does that for mp_printf (mem_info) but not for print().
  function cook(bytes) {
    const out = [];
    for (const b of bytes) {
      if (b === 10 && vmPrev !== 13 && !opts["no-crlf"]) out.push(13);
      out.push(b);
      vmPrev = b;
    }
    return out;
  }

  function track(bytes) {
    if (bytes.length === 0) return;
    const s = Buffer.from(bytes.slice(-40)).toString("latin1");
    tail = (tail + s).slice(-40);
    if (tail.endsWith("raw REPL; CTRL-B to exit\r\n>") || (mode === "raw" && tail.endsWith("\x04>"))) {
      if (mode !== "raw") log("mode: raw REPL");
      mode = "raw";
      rawLen = 0;
    } else if (tail.endsWith(">>> ") || tail.endsWith("... ")) {
      if (mode !== "friendly") log("mode: friendly REPL");
      mode = "friendly";
      rawLen = 0;
    }
  }

  // Emit whatever the VM printed (program output, echo, prompts).
  function flushVm() {
    const b = take();
    if (b.length === 0) return;
    track(b);
    emit(cook(b));
  }

  async function bootVM({ runWorkload }) {
    const mp = await loadMicroPython({
      heapsize: opts.heap,
      linebuffer: false,
      stdout: (d) => { for (const c of d) sink.push(c); },
      stderr: (d) => { for (const c of d) sink.push(c); },
    });
    const gc = mp.pyimport("gc");
    const micropython = mp.pyimport("micropython");
    mp.pyimport("random").seed(seed & 0x3fffffff);
    micropython.mem_info();
    const info = Buffer.from(take()).toString("latin1");
    const m = /GC: total: (\d+)/.exec(info);
    const total = m ? Number(m[1]) : opts.heap;
    log(`VM up: ${info.split(/\r?\n/).slice(1, 3).join(" | ")}`);
    const v = { mp, gc, micropython, step: null, total };
    if (runWorkload) startWorkload(v);
    mp.replInit();
    return v;
  }

  function startWorkload(v) {
    workloadDead = false;
    v.mp.globals.set("SIM_HEAP_TOTAL", v.total);
    try {
      v.mp.runPython(workloadSource);
      const step = v.mp.globals.get("step");
      if (typeof step === "function") v.step = step;
      else log("workload defines no step(); nothing runs between samples");
    } catch (e) {
      log(`workload failed to load: ${e.type || ""} ${e.message}`);
    }
    flushVm();
  }

  // The VM's own GC only runs at top level after the heap has *grown* (pyscript
  // variant: MICROPY_GC_SPLIT_HEAP_AUTO, "max new split"). A board collects
  // when its fixed heap fills instead, so do that here, between samples: at
  // --gc-at % of the heap, or, once live data alone is above that, halfway
  // between the live size and a full heap (keeping 4 KB for the REPL).
  let lastLive = 0;
  function autogc() {
    if (!vm || opts["gc-at"] === 0) return;
    const trigger = Math.max((vm.total * opts["gc-at"]) / 100,
      Math.min(vm.total - 4096, (lastLive + vm.total) / 2));
    if (vm.gc.mem_alloc() > trigger) {
      vm.gc.collect();
      lastLive = vm.gc.mem_alloc();
      log(`gc: collected, ${lastLive} bytes live`);
    }
  }

  const midCommand = () => mode === "raw" && rawLen > 0 && Date.now() - rawSince < 1000;
  const idle = () => vm !== null && !unplugged && !silent && !midCommand();

  function tick() {
    if (!idle()) return;
    if (vm.step && !workloadDead) {
      try {
        vm.step();
      } catch (e) {
        // Like a timer callback dying: the program stops, the heap stays as it is.
        workloadDead = true;
        log(`workload stopped: ${e.type || ""}: ${e.message}`);
      }
    }
    autogc();
    flushVm();
  }

  // ---- soft reboot (Ctrl-D on an empty line, or SystemExit in raw mode)
  async function softReset(kind) {
    log(`soft reboot from ${kind} REPL (heap is reset!)`);
    emit("MPY: soft reboot\r\n");
    // Keep the old VM's proxies reachable: their finalizers would otherwise
    // free references by number in the *new* VM (proxy code uses the global Module).
    graveyard.push(vm);
    vm = null;
    sink = [];
    // In raw mode the port skips main.py, so the program does not restart.
    const v = await bootVM({ runWorkload: kind === "friendly" });
    const banner = Buffer.from(take()).toString("latin1").replace(/^\r\n/, "");
    vmPrev = 0;
    if (kind === "raw") {
      v.mp.replProcessChar(1);
      take();
      vm = v;
      mode = "raw";
      rawLen = 0;
      emit("raw REPL; CTRL-B to exit\r\n>");
    } else {
      vm = v;
      mode = "friendly";
      if (opts.busy) startBusy(); // main.py runs again, and it is the busy one
      else emit(banner);
    }
  }

  function feed(b) {
    return vm.mp.replProcessChar(b);
  }

  function cutStdout(s) {
    // s = "OK" + stdout + "\x04" + stderr + "\x04>"
    const e1 = s.indexOf("\x04", 2);
    if (e1 < 0) return s;
    const out = s.slice(2, e1);
    const lines = [...out.matchAll(/(^|\n)([0-9a-f]{8}: )([^\r\n]*)/g)];
    let cut;
    if (lines.length) {
      const m = lines[Math.floor(lines.length / 2)];
      const start = m.index + m[1].length;
      cut = start + m[2].length + Math.max(1, Math.floor(m[3].length / 2));
    } else {
      cut = Math.floor(out.length / 2);
    }
    log(`cut: exec ${execCount} stdout cut at byte ${cut} of ${out.length}`);
    return "OK" + out.slice(0, cut) + s.slice(e1);
  }

  // --silent-after: the board stops answering, not even echoes, and what
  // it is sent meanwhile is lost (a board stalled in a long computation
  // with its RX FIFO overflowing); then it carries on in the mode it was in.
  function goSilent() {
    silent = true;
    uart.silent = true;
    log(`silent after exec ${execCount} for ${opts["silent-for"]} ms`);
    setTimeout(() => {
      silent = false;
      uart.silent = false;
      log("silence over: answering again");
    }, opts["silent-for"]);
  }

  function unplug() {
    unplugged = true;
    log(`unplug after exec ${execCount}`);
    process.stdin.pause();
    exitAfterDrain(0);
  }

  // --busy: main.py loops printing "tick N" and never reads stdin.
  // --stubborn: it ignores Ctrl-C as well, and what arrives meanwhile
  // waits in the UART's buffer until main.py ends and the REPL reads it
  // (raw-repl.md 1.6: kbd_intr(-1), or qemu's polled UART).
  let busyTimer = null;
  let held = [];
  function startBusy() {
    let count = 0;
    busy = true;
    busyTimer = setInterval(() => emit(`tick ${++count}\r\n`), 100);
    if (opts.stubborn) setTimeout(endStubborn, opts.stubborn);
  }
  function endStubborn() {
    busy = false;
    clearInterval(busyTimer);
    log(`stubborn program ended; ${held.length} bytes waiting`);
    emit('\r\nMicroPython v1.27.0 on 2025-12-10; JS with Emscripten\r\n' +
      'Type "help()" for more information.\r\n>>> ');
    if (held.length) {
      inq.unshift({ buf: Buffer.from(held), pos: 0 });
      held = [];
      pumpInput();
    }
  }

  // One input byte; returns a Promise only when the board reboots.
  function handleByte(b) {
    if (silent) return null; // lost, like everything sent while it is silent
    if (busy && opts.stubborn) {
      held.push(b); // nobody reads it yet, not even Ctrl-C
      return null;
    }
    if (busy) {
      if (b !== 3) return null; // main.py does not read stdin
      busy = false;
      clearInterval(busyTimer);
      log("busy program interrupted");
      emit('\r\nTraceback (most recent call last):\r\n  File "main.py", line 3, in <module>\r\n' +
        "KeyboardInterrupt: \r\n>>> ");
      return null;
    }
    if (mode === "raw") {
      if (b === 1 && rawLen === 2 && rawHead[0] === 5 && rawHead[1] === 0x41) {
        // Raw-paste request. The wasm VM would spin forever on it (its stdin
        // read returns 0), so answer "understood, unsupported" like old firmware
        // with raw-paste disabled, and clear the raw buffer.
        feed(3);
        take();
        rawLen = 0;
        emit("R\x00");
        log("raw-paste refused (R\\x00)");
        return null;
      }
      if (b === 4 && rawLen > 0) {
        execCount++;
        const t = performance.now();
        const ret = feed(4);
        const bytes = take();
        rawLen = 0;
        track(bytes);
        let s = Buffer.from(cook(bytes)).toString("latin1");
        if (execCount === opts["cut-after"]) s = cutStdout(s);
        if (execCount === opts["unplug-mid"]) {
          // gone halfway through the map: "OK", half the dump, no frame end
          const cut = cutStdout(s);
          emit(cut.slice(0, cut.indexOf("\x04", 2)));
          unplug();
          return null;
        }
        if (opts.chatter) s = `tick ${execCount}\r\nlevel ${execCount % 10} ` + s;
        emit(s);
        log(`exec ${execCount}: ${s.length} bytes in ${(performance.now() - t).toFixed(2)} ms`);
        if (ret !== 0) return softReset("raw"); // SystemExit: pyexec returns FORCED_EXIT
        if (opts["unplug-after"] && execCount >= opts["unplug-after"]) {
          unplug();
          return null;
        }
        if (execCount === opts["silent-after"]) {
          uart.drain(goSilent); // the answer itself still goes out whole
          return null;
        }
        setImmediate(() => { if (idle()) { autogc(); flushVm(); } });
        return null;
      }
      if (b === 4) {
        // Empty buffer: the board prints OK\r\n and soft-reboots.
        const ret = feed(4);
        emit(cook(take()));
        if (ret !== 0) return softReset("raw");
        return null;
      }
      if (b === 1 || b === 2 || b === 3) {
        rawLen = 0;
      } else {
        if (rawLen < 2) rawHead[rawLen] = b;
        if (rawLen === 0) rawSince = Date.now();
        rawLen++;
      }
      feed(b);
      flushVm();
      return null;
    }
    const ret = feed(b);
    flushVm();
    if (ret !== 0) return softReset("friendly");
    return null;
  }

  // ---- input: a byte queue, so bytes that arrive while the board boots wait
  const inq = [];
  let pumping = false;
  let vmReady;
  async function pumpInput() {
    if (pumping) return;
    pumping = true;
    try {
      await vmReady;
      while (inq.length && !unplugged) {
        const chunk = inq[0];
        let i = chunk.pos;
        for (; i < chunk.buf.length && !unplugged; i++) {
          const p = handleByte(chunk.buf[i]);
          if (p) {
            chunk.pos = i + 1;
            await p;
          }
        }
        inq.shift();
      }
    } catch (e) {
      process.stderr.write(`device.mjs: internal error: ${e.stack || e}\n`);
      process.exit(4);
    } finally {
      pumping = false;
    }
  }

  // Each queue entry is { buf, pos }: pos is where a reboot paused the chunk.
  process.stdin.on("data", (buf) => {
    if (unplugged) return;
    if (silent) {
      log(`silent: ${buf.length} input byte(s) lost`);
      return;
    }
    inq.push({ buf, pos: 0 });
    pumpInput();
  });
  process.stdin.on("end", () => hangup("stdin closed"));
  process.stdin.on("error", (e) => hangup(`stdin ${e.code || "error"}`));
  rawTty();

  // ---- power on
  if (opts.banner) {
    emit("ets Jun  8 2016 00:22:57\r\n\r\n" +
      "rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n" +
      "configsip: 0, SPIWP:0xee\r\n" +
      "clk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,wp_drv:0x00\r\n" +
      "mode:DIO, clock div:2\r\n" +
      "load:0x3fff0030,len:4892\r\n" +
      "ho 0 tail 12 room 4\r\n" +
      "load:0x40078000,len:14896\r\n" +
      "load:0x40080400,len:4\r\n" +
      "load:0x40080404,len:3372\r\n" +
      "entry 0x400805b0\r\n");
  }
  if (busy) startBusy();
  vmReady = bootVM({ runWorkload: true }).then((v) => {
    vm = v;
    const banner = Buffer.from(take()).toString("latin1").replace(/^\r\n/, "");
    // The banner was printed long before the host connected, unless --banner.
    // With --busy, main.py runs first and the banner is not reached.
    if (opts.banner && !busy) emit(banner);
    mode = "friendly";
  });
  await vmReady;

  setInterval(tick, opts.tick);

  if (opts["print-every"] > 0) {
    setInterval(() => {
      if (!idle()) return;
      vm.micropython.mem_info(1);
      flushVm();
    }, opts["print-every"]);
  }

  if (opts.garbage > 0) {
    const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789 ";
    const noise = () => {
      if (!idle()) {
        setTimeout(noise, 20);
        return;
      }
      let s = "";
      for (let i = 0; i < opts.garbage; i++) {
        s += rand() < 0.08 ? "\r\n" : ALPHABET[Math.floor(rand() * ALPHABET.length)];
      }
      s = s.slice(0, opts.garbage);
      log(`noise: ${JSON.stringify(s)}`);
      emit(s);
      schedule();
    };
    const schedule = () => {
      const mean = opts["garbage-every"];
      setTimeout(noise, Math.max(1, Math.round(-Math.log(1 - rand()) * mean)));
    };
    schedule();
  }
}
